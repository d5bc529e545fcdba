//! The metrics port: accepts HTTP connections and answers them with the
//! Prometheus exposition (`metrics::http`).

use super::tokens::HTTP_TOKEN_BASE;
use super::Server;
use crate::metrics::{self, http, http::HttpConn, http::Progress, http::Route};
use log::warn;
use mio::{Interest, Token};
use std::io;

impl Server {
    pub(super) fn accept_http(&mut self, index: usize) {
        loop {
            let (mut stream, _) = match self.metrics_listeners[index].accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    warn!(target: "metrics", "accept_failed error=\"{e}\"");
                    return;
                }
            };
            let entry = self.http.vacant_entry();
            let token = Token(HTTP_TOKEN_BASE + entry.key());
            if self
                .poll
                .registry()
                .register(&mut stream, token, Interest::READABLE)
                .is_ok()
            {
                entry.insert(HttpConn::new(stream));
            }
        }
    }

    /// Serves a metrics HTTP connection: read the request, answer, close.
    pub(super) fn handle_http(&mut self, key: usize) {
        let Some(conn) = self.http.get_mut(key) else {
            return;
        };
        let progress = match conn.on_readable() {
            Progress::Request(route) => {
                let bytes = match route {
                    Route::Metrics => http::response(
                        "200 OK",
                        "text/plain; version=0.0.4; charset=utf-8",
                        &metrics::render(&self.state, &self.store, &self.clients),
                    ),
                    Route::Health => http::response("200 OK", "text/plain", "OK\n"),
                    Route::NotFound => http::response("404 Not Found", "text/plain", "not found\n"),
                    Route::MethodNotAllowed => {
                        http::response("405 Method Not Allowed", "text/plain", "GET only\n")
                    }
                    Route::BadRequest => {
                        http::response("400 Bad Request", "text/plain", "bad request\n")
                    }
                };
                conn.respond(bytes)
            }
            other => other,
        };
        match progress {
            Progress::Close => self.close_http(key),
            _ if conn.has_output() && !conn.writable_registered => {
                let token = Token(HTTP_TOKEN_BASE + key);
                let interest = Interest::READABLE | Interest::WRITABLE;
                let _ = self
                    .poll
                    .registry()
                    .reregister(&mut conn.stream, token, interest);
                conn.writable_registered = true;
            }
            _ => {}
        }
    }

    pub(super) fn close_http(&mut self, key: usize) {
        if let Some(mut conn) = self.http.try_remove(key) {
            let _ = self.poll.registry().deregister(&mut conn.stream);
        }
    }
}
