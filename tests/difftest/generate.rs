//! The seeded workload: turns of commands for one client at a time, drawn
//! from every data-type family, with TTLs, transactions (WATCH/MULTI/EXEC/
//! DISCARD), CLIENT REPLY OFF/ON/SKIP, HELLO 2/3 switches and blocking pops.
//! Blocking pops wait on the same keys every other command writes, so a
//! waited-on key may be deleted, overwritten or given another type.
//! The same seed and the same observations (which clients are blocked)
//! give the same turns, so a run replays exactly.

use crate::difftest::known;

use crate::reference::Rng;

/// One client's consecutive commands, sent as one pipeline.
#[derive(Clone, Debug)]
pub struct Turn {
    pub client: usize,
    pub cmds: Vec<Vec<String>>,
}

/// What the generator remembers of a client.
#[derive(Clone, Default)]
struct ClientGen {
    in_multi: bool,
    /// It sent WATCH and has not ended the transaction since.
    watching: bool,
    /// The blocking command this client was blocked by.
    blocked_on: Vec<String>,
    /// Turns since it blocked (a rescue push comes after a while).
    blocked_for: u32,
}

/// Produces turns for `clients` clients.
pub struct Generator {
    rng: Rng,
    clients: Vec<ClientGen>,
    /// Apply the known-differences skip list (off: DIFFTEST_NO_SKIP=1).
    skip_known: bool,
    /// Some client is blocked (as of the last `next_turn`).
    any_blocked: bool,
}

const FAMILIES: [&str; 6] = ["str", "list", "hash", "set", "zset", "hll"];
const MEMBERS: [&str; 10] = ["a", "b", "c", "d", "e", "f", "g", "h", "1", "2"];
const BLOCKING: [&str; 9] = [
    "BLPOP",
    "BRPOP",
    "BLMOVE",
    "BRPOPLPUSH",
    "BLMPOP",
    "BZPOPMIN",
    "BZPOPMAX",
    "BZMPOP",
    "BLPOP",
];

/// True for a command that may block (its last turn position is kept).
pub fn is_blocking(cmd: &[String]) -> bool {
    let name = cmd[0].to_ascii_uppercase();
    BLOCKING.contains(&name.as_str())
}

/// The timeout argument of a blocking command, in seconds.
pub fn block_timeout(cmd: &[String]) -> f64 {
    let name = cmd[0].to_ascii_uppercase();
    let arg = match name.as_str() {
        "BLMPOP" | "BZMPOP" => &cmd[1],
        _ => cmd.last().unwrap(),
    };
    arg.parse().unwrap_or(0.0)
}

impl Generator {
    /// A generator for `clients` clients from `seed`.
    pub fn new(seed: u64, clients: usize, skip_known: bool) -> Generator {
        Generator {
            rng: Rng::new(seed),
            clients: vec![ClientGen::default(); clients],
            skip_known,
            any_blocked: false,
        }
    }

    /// The next turn, for a client that is not `blocked`.
    pub fn next_turn(&mut self, blocked: &[bool]) -> Turn {
        for (c, state) in self.clients.iter_mut().enumerate() {
            if blocked[c] {
                state.blocked_for += 1;
            } else {
                state.blocked_on.clear();
                state.blocked_for = 0;
            }
        }
        self.any_blocked = blocked.iter().any(|&b| b);
        let free: Vec<usize> = (0..blocked.len()).filter(|&c| !blocked[c]).collect();
        let client = free[self.rng.below(free.len() as u64) as usize];
        // A client blocked for long gets its key pushed to.
        if let Some(b) =
            (0..blocked.len()).find(|&c| blocked[c] && self.clients[c].blocked_for > 40)
        {
            self.clients[b].blocked_for = 0;
            let blocked_by = &self.clients[b].blocked_on;
            let key = blocking_keys(blocked_by)[0].clone();
            let push = if blocked_by[0].starts_with("BZ") {
                vec!["ZADD".into(), key.clone(), "1".into(), "rescued".into()]
            } else {
                vec!["RPUSH".into(), key.clone(), "rescued".into()]
            };
            return Turn {
                client,
                cmds: vec![vec!["DEL".into(), key], push],
            };
        }
        let mut cmds = Vec::new();
        let st = self.clients[client].clone();
        if st.in_multi {
            for _ in 0..self.rng.range(1, 3) {
                cmds.push(self.data_command());
            }
            drop_after_spop(&mut cmds);
            let end = self.rng.below(10);
            if end < 5 {
                cmds.push(vec!["EXEC".into()]);
                self.clients[client].in_multi = false;
                self.clients[client].watching = false;
            } else if end < 6 {
                cmds.push(vec!["DISCARD".into()]);
                self.clients[client].in_multi = false;
                self.clients[client].watching = false;
            }
            return Turn { client, cmds };
        }
        let roll = self.rng.below(1000);
        if roll < 40 {
            // A transaction, maybe watched; EXEC may come in a later turn.
            if self.rng.chance(50) {
                let mut w = vec!["WATCH".to_string()];
                for _ in 0..self.rng.range(1, 2) {
                    w.push(self.any_key());
                }
                cmds.push(w);
                self.clients[client].watching = true;
            }
            if self.rng.chance(10) {
                cmds.push(vec!["UNWATCH".into()]);
                self.clients[client].watching = false;
            }
            cmds.push(vec!["MULTI".into()]);
            self.clients[client].in_multi = true;
            return Turn { client, cmds };
        }
        if roll < 50 {
            // Replies switched off (or one skipped) around some commands.
            if self.rng.chance(50) {
                cmds.push(vec!["CLIENT".into(), "REPLY".into(), "SKIP".into()]);
                cmds.push(self.data_command());
            } else {
                cmds.push(vec!["CLIENT".into(), "REPLY".into(), "OFF".into()]);
                for _ in 0..self.rng.range(1, 3) {
                    cmds.push(self.data_command());
                }
                cmds.push(vec!["CLIENT".into(), "REPLY".into(), "ON".into()]);
            }
            drop_after_spop(&mut cmds);
            cmds.push(vec!["PING".into()]);
            return Turn { client, cmds };
        }
        if roll < 55 {
            let proto = self.rng.pick(&["2", "3"]);
            cmds.push(vec!["HELLO".into(), proto.into()]);
        }
        for _ in 0..self.rng.range(1, 8) {
            cmds.push(self.data_command());
        }
        drop_after_spop(&mut cmds);
        if roll >= 970 && free.len() > 1 {
            let b = self.blocking_command();
            if block_timeout(&b) == 0.0 {
                self.clients[client].blocked_on = b.clone();
            }
            cmds.push(b);
        }
        Turn { client, cmds }
    }

    /// A random data command not on the known-differences list.
    fn data_command(&mut self) -> Vec<String> {
        loop {
            let cmd = self.any_command();
            let known = self.any_blocked && known::while_blocked_difference(&cmd).is_some();
            if !self.skip_known || !known {
                return cmd;
            }
        }
    }

    fn any_command(&mut self) -> Vec<String> {
        match self.rng.below(100) {
            0..=17 => self.string_command(),
            18..=29 => self.list_command(),
            30..=41 => self.hash_command(),
            42..=53 => self.set_command(),
            54..=69 => self.zset_command(),
            70..=75 => self.hll_command(),
            76..=82 => self.bit_command(),
            _ => self.generic_command(),
        }
    }

    /// A key of `family`, or now and then of another one (WRONGTYPE paths).
    fn key(&mut self, family: &str) -> String {
        let family = if self.rng.chance(5) {
            FAMILIES[self.rng.below(6) as usize]
        } else {
            family
        };
        format!("{family}:{}", self.rng.below(4))
    }

    fn any_key(&mut self) -> String {
        let f = FAMILIES[self.rng.below(6) as usize];
        self.key(f)
    }

    fn member(&mut self) -> String {
        match self.rng.below(40) {
            0 => String::new(),
            1 => "x".repeat(self.rng.range(60, 80) as usize),
            2 => format!("m{}", self.rng.below(200)),
            _ => MEMBERS[self.rng.below(10) as usize].into(),
        }
    }

    fn int(&mut self) -> String {
        match self.rng.below(30) {
            0 => "9223372036854775807".into(),
            1 => "-9223372036854775808".into(),
            2 => "1.5".into(),
            3 => "abc".into(),
            _ => self.rng.range(-5, 20).to_string(),
        }
    }

    fn float(&mut self) -> String {
        self.rng
            .pick(&[
                "1", "-2", "0.5", "1.5", "3e2", "-0.25", "10", "1e-3", "nan", "inf",
            ])
            .into()
    }

    fn score(&mut self) -> String {
        self.rng
            .pick(&[
                "1", "2", "3", "-1", "0", "1.5", "2.5", "-inf", "+inf", "10", "x",
            ])
            .into()
    }

    fn score_bound(&mut self) -> String {
        self.rng
            .pick(&["-inf", "+inf", "0", "1", "(1", "2", "(2.5", "3", "-1", "x"])
            .into()
    }

    fn lex_bound(&mut self) -> String {
        self.rng
            .pick(&["-", "+", "[a", "(a", "[c", "(d", "[h", "a", "[1"])
            .into()
    }

    fn index(&mut self) -> String {
        self.rng.range(-6, 6).to_string()
    }

    /// A TTL option that never expires during a run (or has already).
    fn ttl_args(&mut self) -> Vec<String> {
        match self.rng.below(8) {
            0 => vec!["EX".into(), self.rng.range(100, 10000).to_string()],
            1 => vec!["PX".into(), self.rng.range(100_000, 9_000_000).to_string()],
            2 => vec!["EXAT".into(), "4102444800".into()],
            3 => vec!["KEEPTTL".into()],
            4 => vec!["EX".into(), self.rng.pick(&["0", "-1", "x"]).into()],
            _ => vec![],
        }
    }

    fn members(&mut self, lo: i64, hi: i64) -> Vec<String> {
        let n = self.rng.range(lo, hi);
        (0..n).map(|_| self.member()).collect()
    }

    fn string_command(&mut self) -> Vec<String> {
        let k = self.key("str");
        let v = self.member();
        let mut c: Vec<String> = match self.rng.below(26) {
            0 | 1 => vec!["GET".into(), k],
            2 | 3 => {
                let mut c = vec!["SET".into(), k, v];
                c.extend(self.ttl_args());
                if self.rng.chance(20) {
                    c.push(self.rng.pick(&["NX", "XX"]).into());
                }
                if self.rng.chance(20) {
                    c.push("GET".into());
                }
                c
            }
            4 => vec!["SETNX".into(), k, v],
            5 => vec![
                "SETEX".into(),
                k,
                self.rng.pick(&["100", "0", "-3"]).into(),
                v,
            ],
            6 => vec!["GETSET".into(), k, v],
            7 => vec!["GETDEL".into(), k],
            8 => {
                let mut c = vec!["GETEX".into(), k];
                if self.rng.chance(30) {
                    c.push("PERSIST".into());
                } else {
                    c.extend(self.ttl_args().into_iter().filter(|a| a != "KEEPTTL"));
                }
                c
            }
            9 => {
                let mut c = vec!["MGET".into(), k];
                c.push(self.key("str"));
                c
            }
            10 => {
                let name = self.rng.pick(&["MSET", "MSETNX"]);
                let k2 = self.key("str");
                vec![name.into(), k, v, k2, self.member()]
            }
            11 => vec!["APPEND".into(), k, v],
            12 => vec!["STRLEN".into(), k],
            13 => vec!["INCR".into(), k],
            14 => vec!["DECR".into(), k],
            15 => vec!["INCRBY".into(), k, self.int()],
            16 => vec!["DECRBY".into(), k, self.int()],
            17 => vec!["INCRBYFLOAT".into(), k, self.float()],
            18 => vec!["GETRANGE".into(), k, self.index(), self.index()],
            19 => vec!["SETRANGE".into(), k, self.rng.range(-1, 12).to_string(), v],
            20 => vec!["SUBSTR".into(), k, self.index(), self.index()],
            21 => {
                let mut c = vec!["LCS".into(), k, self.key("str")];
                match self.rng.below(4) {
                    0 => c.push("LEN".into()),
                    1 => {
                        c.push("IDX".into());
                        if self.rng.chance(50) {
                            c.extend(["MINMATCHLEN".into(), "1".into()]);
                        }
                        if self.rng.chance(50) {
                            c.push("WITHMATCHLEN".into());
                        }
                    }
                    _ => {}
                }
                c
            }
            22 => vec!["SET".into(), k, self.int()],
            _ => vec!["GET".into(), k],
        };
        if c.len() > 8 {
            c.truncate(8);
        }
        c
    }

    fn bit_command(&mut self) -> Vec<String> {
        let k = self.key("str");
        match self.rng.below(9) {
            0 | 1 => vec![
                "SETBIT".into(),
                k,
                self.rng.range(-1, 70).to_string(),
                self.rng.pick(&["0", "1", "1", "2"]).into(),
            ],
            2 => vec!["GETBIT".into(), k, self.rng.range(0, 70).to_string()],
            3 => {
                let mut c = vec!["BITCOUNT".into(), k];
                if self.rng.chance(60) {
                    c.extend([self.index(), self.index()]);
                    if self.rng.chance(50) {
                        c.push(self.rng.pick(&["BYTE", "BIT"]).into());
                    }
                }
                c
            }
            4 => {
                let mut c = vec!["BITPOS".into(), k, self.rng.pick(&["0", "1"]).into()];
                for _ in 0..self.rng.below(3) {
                    c.push(self.index());
                }
                if c.len() == 5 && self.rng.chance(50) {
                    c.push(self.rng.pick(&["BYTE", "BIT"]).into());
                }
                c
            }
            5 | 6 => {
                let op = self.rng.pick(&["AND", "OR", "XOR", "NOT"]);
                let mut c = vec!["BITOP".into(), op.into(), k, self.key("str")];
                if op != "NOT" || self.rng.chance(10) {
                    c.push(self.key("str"));
                }
                c
            }
            _ => {
                let mut c = vec![self.rng.pick(&["BITFIELD", "BITFIELD"]).to_string(), k];
                for _ in 0..self.rng.range(1, 3) {
                    let ty = self
                        .rng
                        .pick(&["u8", "i8", "u4", "i16", "u63", "i64", "u64"]);
                    let off = self.rng.pick(&["0", "3", "#1", "12"]);
                    match self.rng.below(4) {
                        0 => c.extend(["GET".into(), ty.into(), off.into()]),
                        1 => c.extend(["SET".into(), ty.into(), off.into(), self.int()]),
                        2 => c.extend(["INCRBY".into(), ty.into(), off.into(), self.int()]),
                        _ => c.extend([
                            "OVERFLOW".into(),
                            self.rng.pick(&["WRAP", "SAT", "FAIL"]).into(),
                        ]),
                    }
                }
                c
            }
        }
    }

    fn list_command(&mut self) -> Vec<String> {
        let k = self.key("list");
        let side = |r: &mut Rng| r.pick(&["LEFT", "RIGHT"]).to_string();
        match self.rng.below(22) {
            0..=3 => {
                let mut c = vec![self.rng.pick(&["LPUSH", "RPUSH"]).to_string(), k];
                c.extend(self.members(1, 5));
                c
            }
            4 => vec![
                self.rng.pick(&["LPUSHX", "RPUSHX"]).into(),
                k,
                self.member(),
            ],
            5 | 6 => {
                let mut c = vec![self.rng.pick(&["LPOP", "RPOP"]).to_string(), k];
                if self.rng.chance(40) {
                    c.push(self.rng.range(-1, 4).to_string());
                }
                c
            }
            7 => vec!["LLEN".into(), k],
            8 | 9 => vec!["LRANGE".into(), k, self.index(), self.index()],
            10 => vec!["LINDEX".into(), k, self.index()],
            11 => vec!["LSET".into(), k, self.index(), self.member()],
            12 => vec![
                "LINSERT".into(),
                k,
                self.rng.pick(&["BEFORE", "AFTER"]).into(),
                self.member(),
                self.member(),
            ],
            13 => vec![
                "LREM".into(),
                k,
                self.rng.range(-2, 2).to_string(),
                self.member(),
            ],
            14 => vec!["LTRIM".into(), k, self.index(), self.index()],
            15 => {
                let mut c = vec!["LPOS".into(), k, self.member()];
                if self.rng.chance(50) {
                    c.extend(["RANK".into(), self.rng.pick(&["1", "-1", "2", "0"]).into()]);
                }
                if self.rng.chance(50) {
                    c.extend(["COUNT".into(), self.rng.range(0, 3).to_string()]);
                }
                if self.rng.chance(20) {
                    c.extend(["MAXLEN".into(), self.rng.range(0, 3).to_string()]);
                }
                c
            }
            16 => vec![
                "LMOVE".into(),
                k,
                self.key("list"),
                side(&mut self.rng),
                side(&mut self.rng),
            ],
            17 => vec!["RPOPLPUSH".into(), k, self.key("list")],
            18 => {
                let mut c = vec!["LMPOP".into(), "2".into(), k, self.key("list")];
                c.push(side(&mut self.rng));
                if self.rng.chance(50) {
                    c.extend(["COUNT".into(), self.rng.range(0, 3).to_string()]);
                }
                c
            }
            19 => vec!["LPUSH".into(), k, "m".repeat(70)],
            _ => vec!["LRANGE".into(), k, "0".into(), "-1".into()],
        }
    }

    fn hash_command(&mut self) -> Vec<String> {
        let k = self.key("hash");
        match self.rng.below(17) {
            0..=2 => {
                let mut c = vec![self.rng.pick(&["HSET", "HMSET"]).to_string(), k];
                for _ in 0..self.rng.range(1, 3) {
                    c.push(self.member());
                    c.push(self.member());
                }
                c
            }
            3 => vec!["HSETNX".into(), k, self.member(), self.member()],
            4 => vec!["HGET".into(), k, self.member()],
            5 => vec!["HMGET".into(), k, self.member(), self.member()],
            6 => vec!["HGETALL".into(), k],
            7 => vec!["HDEL".into(), k, self.member(), self.member()],
            8 => vec!["HLEN".into(), k],
            9 => vec!["HEXISTS".into(), k, self.member()],
            10 => vec![self.rng.pick(&["HKEYS", "HVALS"]).into(), k],
            11 => vec!["HINCRBY".into(), k, self.member(), self.int()],
            12 => vec!["HINCRBYFLOAT".into(), k, self.member(), self.float()],
            13 => vec!["HSTRLEN".into(), k, self.member()],
            14 => {
                let mut c = vec!["HRANDFIELD".into(), k];
                if self.rng.chance(60) {
                    c.push(self.rng.range(-4, 4).to_string());
                    if self.rng.chance(50) {
                        c.push("WITHVALUES".into());
                    }
                }
                c
            }
            15 => vec![
                "SCANALL".into(),
                "HSCAN".into(),
                k,
                "COUNT".into(),
                "20".into(),
            ],
            _ => vec!["HSET".into(), k, self.member(), self.int()],
        }
    }

    fn set_command(&mut self) -> Vec<String> {
        let k = self.key("set");
        match self.rng.below(19) {
            0..=3 => {
                let mut c = vec!["SADD".into(), k];
                c.extend(self.members(1, 5));
                if self.rng.chance(10) {
                    c.extend((0..self.rng.range(1, 4)).map(|i| (i * 7).to_string()));
                }
                c
            }
            4 => vec!["SREM".into(), k, self.member(), self.member()],
            5 => vec!["SMEMBERS".into(), k],
            6 => vec!["SISMEMBER".into(), k, self.member()],
            7 => vec!["SMISMEMBER".into(), k, self.member(), self.member()],
            8 => vec!["SCARD".into(), k],
            9 => {
                let mut c = vec!["SRANDMEMBER".into(), k];
                if self.rng.chance(60) {
                    c.push(self.rng.range(-4, 4).to_string());
                }
                c
            }
            10 => vec!["SMOVE".into(), k, self.key("set"), self.member()],
            11 => {
                let name = self.rng.pick(&["SINTER", "SUNION", "SDIFF"]);
                vec![name.into(), k, self.key("set")]
            }
            12 => {
                let name = self.rng.pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]);
                vec![name.into(), self.key("set"), k, self.key("set")]
            }
            13 => {
                let mut c = vec!["SINTERCARD".into(), "2".into(), k, self.key("set")];
                if self.rng.chance(50) {
                    c.extend(["LIMIT".into(), self.rng.range(0, 3).to_string()]);
                }
                c
            }
            14 => vec![
                "SCANALL".into(),
                "SSCAN".into(),
                k,
                "COUNT".into(),
                "20".into(),
            ],
            15 => {
                let mut c = vec!["SPOP".into(), k];
                if self.rng.chance(50) {
                    c.push(self.rng.range(0, 3).to_string());
                }
                c
            }
            _ => vec!["SADD".into(), k, self.member()],
        }
    }

    fn zset_command(&mut self) -> Vec<String> {
        let k = self.key("zset");
        let k2 = self.key("zset");
        match self.rng.below(31) {
            0..=4 => {
                let mut c = vec!["ZADD".into(), k];
                for flag in ["NX", "XX", "GT", "LT", "CH", "INCR"] {
                    if self.rng.chance(8) {
                        c.push(flag.into());
                    }
                }
                for _ in 0..self.rng.range(1, 3) {
                    c.push(self.score());
                    c.push(self.member());
                }
                c
            }
            5 => vec!["ZINCRBY".into(), k, self.score(), self.member()],
            6 => vec!["ZREM".into(), k, self.member(), self.member()],
            7 => vec!["ZSCORE".into(), k, self.member()],
            8 => vec!["ZMSCORE".into(), k, self.member(), self.member()],
            9 => vec!["ZCARD".into(), k],
            10 => vec!["ZCOUNT".into(), k, self.score_bound(), self.score_bound()],
            11 => vec![
                "ZLEXCOUNT".into(),
                self.lex_key(),
                self.lex_bound(),
                self.lex_bound(),
            ],
            12 | 13 => {
                let mut c = vec!["ZRANGE".into(), k];
                match self.rng.below(3) {
                    0 => c.extend([self.index(), self.index()]),
                    1 => c.extend([self.score_bound(), self.score_bound(), "BYSCORE".into()]),
                    _ => {
                        c[1] = self.lex_key();
                        c.extend([self.lex_bound(), self.lex_bound(), "BYLEX".into()])
                    }
                }
                if self.rng.chance(30) {
                    c.push("REV".into());
                }
                if self.rng.chance(25) {
                    c.extend([
                        "LIMIT".into(),
                        self.rng.range(-1, 2).to_string(),
                        "2".into(),
                    ]);
                }
                if self.rng.chance(40) {
                    c.push("WITHSCORES".into());
                }
                c
            }
            14 => vec!["ZRANGESTORE".into(), k2, k, self.index(), self.index()],
            15 => {
                let name = self.rng.pick(&["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]);
                let mut c = vec![name.into(), k, self.score_bound(), self.score_bound()];
                if self.rng.chance(40) {
                    c.push("WITHSCORES".into());
                }
                c
            }
            16 => {
                let name = self.rng.pick(&["ZRANGEBYLEX", "ZREVRANGEBYLEX"]);
                vec![
                    name.into(),
                    self.lex_key(),
                    self.lex_bound(),
                    self.lex_bound(),
                ]
            }
            17 => vec!["ZREVRANGE".into(), k, self.index(), self.index()],
            18 => vec![
                self.rng.pick(&["ZRANK", "ZREVRANK"]).into(),
                k,
                self.member(),
            ],
            19 => vec!["ZREMRANGEBYRANK".into(), k, self.index(), self.index()],
            20 => vec![
                "ZREMRANGEBYSCORE".into(),
                k,
                self.score_bound(),
                self.score_bound(),
            ],
            21 => vec![
                "ZREMRANGEBYLEX".into(),
                self.lex_key(),
                self.lex_bound(),
                self.lex_bound(),
            ],
            22 => {
                let mut c = vec![self.rng.pick(&["ZPOPMIN", "ZPOPMAX"]).to_string(), k];
                if self.rng.chance(50) {
                    c.push(self.rng.range(-1, 3).to_string());
                }
                c
            }
            23 => {
                let mut c = vec!["ZMPOP".into(), "2".into(), k, k2];
                c.push(self.rng.pick(&["MIN", "MAX"]).into());
                if self.rng.chance(50) {
                    c.extend(["COUNT".into(), self.rng.range(0, 3).to_string()]);
                }
                c
            }
            24 => {
                let mut c = vec!["ZRANDMEMBER".into(), k];
                if self.rng.chance(60) {
                    c.push(self.rng.range(-4, 4).to_string());
                    if self.rng.chance(50) {
                        c.push("WITHSCORES".into());
                    }
                }
                c
            }
            25 | 26 => {
                let op = self.rng.pick(&["ZUNION", "ZINTER", "ZDIFF"]);
                let store = self.rng.chance(50);
                let mut c = vec![];
                if store {
                    c.push(format!("{op}STORE"));
                    c.push(self.key("zset"));
                } else {
                    c.push(op.into());
                }
                c.extend(["2".into(), k, k2]);
                if op != "ZDIFF" && self.rng.chance(30) {
                    c.extend(["WEIGHTS".into(), self.float(), "2".into()]);
                }
                if op != "ZDIFF" && self.rng.chance(30) {
                    c.extend([
                        "AGGREGATE".into(),
                        self.rng.pick(&["SUM", "MIN", "MAX"]).into(),
                    ]);
                }
                if !store && self.rng.chance(40) {
                    c.push("WITHSCORES".into());
                }
                c
            }
            27 => {
                let mut c = vec!["ZINTERCARD".into(), "2".into(), k, k2];
                if self.rng.chance(50) {
                    c.extend(["LIMIT".into(), self.rng.range(0, 2).to_string()]);
                }
                c
            }
            28 => vec![
                "SCANALL".into(),
                "ZSCAN".into(),
                k,
                "COUNT".into(),
                "20".into(),
            ],
            29 => vec![
                "ZADD".into(),
                self.lex_key(),
                "0".into(),
                self.member(),
                "0".into(),
                self.member(),
            ],
            _ => vec!["ZADD".into(), k, self.score(), self.member()],
        }
    }

    /// A sorted set whose scores are all 0: lex ranges are specified only
    /// for those (with mixed scores the answer is unspecified).
    fn lex_key(&mut self) -> String {
        format!("zlex:{}", self.rng.below(3))
    }

    fn hll_command(&mut self) -> Vec<String> {
        let k = self.key("hll");
        match self.rng.below(4) {
            0 | 1 => {
                let mut c = vec!["PFADD".into(), k];
                c.extend(self.members(0, 6));
                c
            }
            2 => vec!["PFCOUNT".into(), k, self.key("hll")],
            _ => vec!["PFMERGE".into(), k, self.key("hll")],
        }
    }

    fn generic_command(&mut self) -> Vec<String> {
        let k = self.any_key();
        let k2 = self.any_key();
        match self.rng.below(34) {
            0..=3 => vec![self.rng.pick(&["DEL", "UNLINK"]).into(), k, k2],
            26 => vec![self.rng.pick(&["EXISTS", "TOUCH"]).into(), k.clone(), k2, k],
            4 => vec!["TYPE".into(), k],
            5 => vec![self.rng.pick(&["RENAME", "RENAMENX"]).into(), k, k2],
            6 => {
                let mut c = vec!["COPY".into(), k, k2];
                if self.rng.chance(50) {
                    c.push("REPLACE".into());
                }
                if self.rng.chance(10) {
                    c.extend(["DB".into(), "1".into()]);
                }
                c
            }
            7 | 8 => {
                let name = self.rng.pick(&["EXPIRE", "PEXPIRE"]);
                let t = match (name, self.rng.below(5)) {
                    (_, 0) => "-1".to_string(),
                    ("EXPIRE", _) => self.rng.range(100, 100_000).to_string(),
                    _ => self.rng.range(100_000, 100_000_000).to_string(),
                };
                let mut c = vec![name.into(), k, t];
                if self.rng.chance(30) {
                    c.push(self.rng.pick(&["NX", "XX", "GT", "LT"]).into());
                }
                c
            }
            9 => {
                let name = self.rng.pick(&["EXPIREAT", "PEXPIREAT"]);
                let t = match (name, self.rng.chance(30)) {
                    (_, true) => "1",
                    ("EXPIREAT", _) => "4102444800",
                    _ => "4102444800000",
                };
                vec![name.into(), k, t.into()]
            }
            10..=12 => vec![self.rng.pick(&["TTL", "PTTL"]).into(), k],
            13 => vec![self.rng.pick(&["EXPIRETIME", "PEXPIRETIME"]).into(), k],
            14 => vec!["PERSIST".into(), k],
            15 => {
                let mut c = vec!["SCANALL".into(), "SCAN".into()];
                if self.rng.chance(50) {
                    c.extend(["MATCH".into(), self.rng.pick(&["*:1", "s*", "*"]).into()]);
                }
                c.extend(["COUNT".into(), self.rng.pick(&["3", "10"]).into()]);
                if self.rng.chance(30) {
                    let ty = self.rng.pick(&["string", "list", "hash", "set", "zset"]);
                    c.extend(["TYPE".into(), ty.into()]);
                }
                c
            }
            16 => vec![
                "KEYS".into(),
                self.rng.pick(&["*", "l*", "*:[12]", "h?sh:*"]).into(),
            ],
            17 => vec!["DBSIZE".into()],
            18 => vec!["RANDOMKEY".into()],
            19 => vec!["OBJECT".into(), "ENCODING".into(), k],
            20 => vec!["SELECT".into(), self.rng.pick(&["0", "0", "1"]).into()],
            21 => vec!["MOVE".into(), k, "1".into()],
            22 => vec!["PUBLISH".into(), "chan".into(), self.member()],
            23 => vec!["ECHO".into(), self.member()],
            24 => {
                if self.rng.chance(10) {
                    vec!["FLUSHDB".into()]
                } else {
                    vec!["PING".into()]
                }
            }
            25 => vec!["SWAPDB".into(), "0".into(), "1".into()],
            _ => vec!["EXISTS".into(), k],
        }
    }

    fn blocking_command(&mut self) -> Vec<String> {
        let timeout = if self.rng.chance(70) {
            "0".to_string()
        } else {
            self.rng.pick(&["0.01", "0.02"]).to_string()
        };
        // Ordinary keys: any command may give them another type while a
        // client waits on them.
        let l1 = self.key("list");
        let l2 = self.key("list");
        let z1 = self.key("zset");
        let z2 = self.key("zset");
        let side = |r: &mut Rng| r.pick(&["LEFT", "RIGHT"]).to_string();
        let mut c: Vec<String> = match self.rng.below(8) {
            0 | 1 => vec![self.rng.pick(&["BLPOP", "BRPOP"]).into(), l1, l2],
            2 => vec![
                "BLMOVE".into(),
                l1,
                l2,
                side(&mut self.rng),
                side(&mut self.rng),
            ],
            3 => vec!["BRPOPLPUSH".into(), l1, l2],
            4 => {
                let mut c = vec!["BLMPOP".into(), timeout.clone(), "2".into(), l1, l2];
                c.push(side(&mut self.rng));
                if self.rng.chance(50) {
                    c.extend(["COUNT".into(), self.rng.range(1, 3).to_string()]);
                }
                return c;
            }
            5 | 6 => vec![self.rng.pick(&["BZPOPMIN", "BZPOPMAX"]).into(), z1, z2],
            _ => {
                let mut c = vec!["BZMPOP".into(), timeout.clone(), "2".into(), z1, z2];
                c.push(self.rng.pick(&["MIN", "MAX"]).into());
                if self.rng.chance(50) {
                    c.extend(["COUNT".into(), self.rng.range(1, 3).to_string()]);
                }
                return c;
            }
        };
        c.push(timeout);
        c
    }
}

/// SPOP's pick is random: each SPOP is followed by a DEL of its key, so the
/// two servers' data stays the same.
fn drop_after_spop(cmds: &mut Vec<Vec<String>>) {
    let mut i = 0;
    while i < cmds.len() {
        if cmds[i][0] == "SPOP" {
            cmds.insert(i + 1, vec!["DEL".into(), cmds[i][1].clone()]);
            i += 1;
        }
        i += 1;
    }
}

/// The keys a blocking command waits on (its first one first).
pub fn blocking_keys(cmd: &[String]) -> Vec<String> {
    match cmd[0].to_ascii_uppercase().as_str() {
        "BLMPOP" | "BZMPOP" => cmd[3..5].to_vec(),
        "BLMOVE" | "BRPOPLPUSH" => cmd[1..2].to_vec(),
        _ => cmd[1..cmd.len() - 1].to_vec(),
    }
}
