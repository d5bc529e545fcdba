//! Pub/Sub routing: channels, patterns and shard channels → subscribers.
//! A published message is encoded once per protocol (RESP2 array, RESP3
//! push) and appended to every receiver's output buffer.

use super::Client;
use crate::resp::Reply;
use crate::store::glob::glob_match;
use slab::Slab;
use std::collections::HashMap;

/// What a client is subscribed to.
#[derive(Default)]
pub struct Subscriptions {
    pub channels: Vec<Box<[u8]>>,
    pub patterns: Vec<Box<[u8]>>,
    pub shard_channels: Vec<Box<[u8]>>,
}

impl Subscriptions {
    /// The list for `scope`.
    pub fn list(&mut self, scope: Scope) -> &mut Vec<Box<[u8]>> {
        match scope {
            Scope::Channel => &mut self.channels,
            Scope::Pattern => &mut self.patterns,
            Scope::Shard => &mut self.shard_channels,
        }
    }

    /// Channels + patterns (the count SUBSCRIBE/PSUBSCRIBE replies).
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// True when subscribed to anything (RESP2 subscriber mode).
    pub fn any(&self) -> bool {
        self.count() + self.shard_channels.len() > 0
    }
}

/// Which kind of subscription a command deals with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Channel,
    Pattern,
    Shard,
}

/// Server-wide subscription tables.
#[derive(Default)]
pub struct PubSub {
    channels: HashMap<Box<[u8]>, Vec<usize>>,
    patterns: HashMap<Box<[u8]>, Vec<usize>>,
    shard_channels: HashMap<Box<[u8]>, Vec<usize>>,
}

impl PubSub {
    fn table(&mut self, scope: Scope) -> &mut HashMap<Box<[u8]>, Vec<usize>> {
        match scope {
            Scope::Channel => &mut self.channels,
            Scope::Pattern => &mut self.patterns,
            Scope::Shard => &mut self.shard_channels,
        }
    }

    fn table_ref(&self, scope: Scope) -> &HashMap<Box<[u8]>, Vec<usize>> {
        match scope {
            Scope::Channel => &self.channels,
            Scope::Pattern => &self.patterns,
            Scope::Shard => &self.shard_channels,
        }
    }

    /// Adds `client` to `name`; false if it was already subscribed.
    pub fn subscribe(&mut self, scope: Scope, name: &[u8], client: usize) -> bool {
        let subs = self.table(scope).entry(name.into()).or_default();
        if subs.contains(&client) {
            return false;
        }
        subs.push(client);
        true
    }

    /// Removes `client` from `name`; false if it was not subscribed.
    pub fn unsubscribe(&mut self, scope: Scope, name: &[u8], client: usize) -> bool {
        let table = self.table(scope);
        let Some(subs) = table.get_mut(name) else {
            return false;
        };
        let before = subs.len();
        subs.retain(|&c| c != client);
        let removed = subs.len() != before;
        if subs.is_empty() {
            table.remove(name);
        }
        removed
    }

    /// Removes every subscription of a disconnecting client.
    pub fn unsubscribe_all(&mut self, client: usize, subs: &Subscriptions) {
        for (scope, names) in [
            (Scope::Channel, &subs.channels),
            (Scope::Pattern, &subs.patterns),
            (Scope::Shard, &subs.shard_channels),
        ] {
            for name in names {
                self.unsubscribe(scope, name, client);
            }
        }
    }

    /// Names with at least one subscriber matching the glob `pattern` (all if None).
    pub fn active(&self, scope: Scope, pattern: Option<&[u8]>) -> Vec<&[u8]> {
        self.table_ref(scope)
            .keys()
            .filter(|n| pattern.is_none_or(|p| glob_match(p, n)))
            .map(|n| &n[..])
            .collect()
    }

    /// Number of subscribers of `name`.
    pub fn subscribers(&self, scope: Scope, name: &[u8]) -> usize {
        self.table_ref(scope).get(name).map_or(0, Vec::len)
    }

    /// Number of channels (or shard channels) with subscribers.
    pub fn channel_count(&self, scope: Scope) -> usize {
        self.table_ref(scope).len()
    }

    /// Number of patterns with subscribers (PUBSUB NUMPAT).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Delivers `message` on `channel` (shard channel when `scope` is Shard)
    /// to every subscriber, and for plain channels to matching patterns.
    /// `me`/`my_reply` is the publishing client, whose reply buffer is out of
    /// the slab while it runs. Returns (receivers, clients written to).
    pub fn publish(
        &self,
        scope: Scope,
        channel: &[u8],
        message: &[u8],
        clients: &mut Slab<Client>,
        me: usize,
        my_reply: &mut Reply,
    ) -> (usize, Vec<usize>) {
        let mut written = Vec::new();
        let kind: &[u8] = if scope == Scope::Shard {
            b"smessage"
        } else {
            b"message"
        };
        if let Some(subs) = self.table_ref(scope).get(channel) {
            let mut frame = Encoded::default();
            for &c in subs {
                if let Some(out) = output_of(clients, me, my_reply, c) {
                    let bytes = frame.get(out.resp3, &[kind, channel, message]);
                    out.push_frame(|out| out.raw(bytes));
                    written.push(c);
                }
            }
        }
        if scope == Scope::Channel {
            for (pattern, subs) in &self.patterns {
                if !glob_match(pattern, channel) {
                    continue;
                }
                let mut frame = Encoded::default();
                for &c in subs {
                    if let Some(out) = output_of(clients, me, my_reply, c) {
                        let parts: [&[u8]; 4] = [b"pmessage", pattern, channel, message];
                        let bytes = frame.get(out.resp3, &parts);
                        out.push_frame(|out| out.raw(bytes));
                        written.push(c);
                    }
                }
            }
        }
        (written.len(), written)
    }
}

/// The reply buffer of `client`: the caller's own is out of the slab.
fn output_of<'a>(
    clients: &'a mut Slab<Client>,
    me: usize,
    my_reply: &'a mut Reply,
    client: usize,
) -> Option<&'a mut Reply> {
    if client == me {
        Some(my_reply)
    } else {
        clients.get_mut(client).map(|c| &mut c.reply)
    }
}

/// A message frame encoded at most once per protocol.
#[derive(Default)]
struct Encoded {
    resp2: Option<Vec<u8>>,
    resp3: Option<Vec<u8>>,
}

impl Encoded {
    fn get(&mut self, resp3: bool, parts: &[&[u8]]) -> &[u8] {
        let slot = if resp3 {
            &mut self.resp3
        } else {
            &mut self.resp2
        };
        slot.get_or_insert_with(|| {
            let mut r = Reply::new(resp3);
            r.push(parts.len());
            for p in parts {
                r.bulk(p);
            }
            r.buf
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_unsubscribe_and_counts() {
        let mut ps = PubSub::default();
        assert!(ps.subscribe(Scope::Channel, b"news", 1));
        assert!(!ps.subscribe(Scope::Channel, b"news", 1));
        assert!(ps.subscribe(Scope::Channel, b"news", 2));
        assert!(ps.subscribe(Scope::Pattern, b"n*", 3));
        assert_eq!(ps.subscribers(Scope::Channel, b"news"), 2);
        assert_eq!(ps.pattern_count(), 1);
        assert_eq!(ps.active(Scope::Channel, Some(b"n*")), vec![&b"news"[..]]);
        assert!(ps.unsubscribe(Scope::Channel, b"news", 1));
        assert!(!ps.unsubscribe(Scope::Channel, b"news", 1));
        assert!(ps.unsubscribe(Scope::Channel, b"news", 2));
        assert!(ps.active(Scope::Channel, None).is_empty());
    }

    #[test]
    fn frames_encode_per_protocol() {
        let mut e = Encoded::default();
        assert_eq!(
            e.get(false, &[b"message", b"c", b"m"]),
            b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n"
        );
        assert_eq!(
            e.get(true, &[b"message", b"c", b"m"]),
            b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n"
        );
    }
}
