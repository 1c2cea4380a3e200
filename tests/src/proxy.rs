//! A loopback TCP proxy in front of a service that can be told to fail: while failing, every
//! new connection gets `503 Service Unavailable` and existing connections are cut, so the
//! client sees the service down (its SDK retries, then gives up) until it is healthy again.
//! It can also stall: requests are held, not refused, until it is told to go on, so the
//! client sees the service slow.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct FaultProxy {
    pub url: String,
    failing: watch::Sender<bool>,
    stalled: watch::Sender<bool>,
    /// Reads of request bytes held back by a stall.
    held: Arc<AtomicUsize>,
    /// Connections answered with 503.
    refused: Arc<AtomicUsize>,
    /// Reads from the service that carried bytes back to a client: a client that got an
    /// answer through the proxy has finished at least one request.
    answers: Arc<AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

impl FaultProxy {
    /// Proxies to `upstream` (`host:port`), healthy at first.
    pub fn start(upstream: &str) -> FaultProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the proxy");
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("a loopback port for the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let (failing, watcher) = watch::channel(false);
        let (stalled, stall_watcher) = watch::channel(false);
        let held = Arc::new(AtomicUsize::new(0));
        let refused = Arc::new(AtomicUsize::new(0));
        let answers = Arc::new(AtomicUsize::new(0));
        let upstream = upstream.to_string();
        {
            let (refused, answers, held) = (refused.clone(), answers.clone(), held.clone());
            runtime.spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    let mut watcher = watcher.clone();
                    let mut stall = stall_watcher.clone();
                    let upstream = upstream.clone();
                    let refused = refused.clone();
                    let answers = answers.clone();
                    let held = held.clone();
                    tokio::spawn(async move {
                        if *watcher.borrow_and_update() {
                            refused.fetch_add(1, Ordering::Relaxed);
                            refuse(client).await;
                            return;
                        }
                        let Ok(server) = TcpStream::connect(&upstream).await else {
                            return;
                        };
                        let (mut from_client, mut to_client) = client.into_split();
                        let (mut from_server, mut to_server) = server.into_split();
                        let requests = async {
                            let mut buffer = [0u8; 16 * 1024];
                            while let Ok(n @ 1..) = from_client.read(&mut buffer).await {
                                if *stall.borrow_and_update() {
                                    held.fetch_add(1, Ordering::Relaxed);
                                    let _ = stall.wait_for(|stalled| !*stalled).await;
                                }
                                if to_server.write_all(&buffer[..n]).await.is_err() {
                                    break;
                                }
                            }
                            let _ = to_server.shutdown().await;
                        };
                        let responses = async {
                            let mut buffer = [0u8; 16 * 1024];
                            while let Ok(n @ 1..) = from_server.read(&mut buffer).await {
                                if to_client.write_all(&buffer[..n]).await.is_err() {
                                    break;
                                }
                                answers.fetch_add(1, Ordering::Relaxed);
                            }
                            let _ = to_client.shutdown().await;
                        };
                        tokio::select! {
                            _ = async { tokio::join!(requests, responses) } => {}
                            // Cut the connection the moment the service "goes down".
                            _ = watcher.wait_for(|failing| *failing) => {}
                        }
                    });
                }
            });
        }
        FaultProxy {
            url: format!("http://127.0.0.1:{port}"),
            failing,
            stalled,
            held,
            refused,
            answers,
            _runtime: runtime,
        }
    }

    pub fn set_failing(&self, failing: bool) {
        let _ = self.failing.send(failing);
    }

    /// While stalled, requests wait in the proxy (none is refused or cut) until it is not.
    pub fn set_stalled(&self, stalled: bool) {
        let _ = self.stalled.send(stalled);
    }

    /// How many reads of request bytes a stall held back.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    /// How many times the service's bytes reached a client (see the field).
    pub fn answers(&self) -> usize {
        self.answers.load(Ordering::Relaxed)
    }

    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::Relaxed)
    }
}

/// Reads the request head, answers 503 and closes.
async fn refuse(mut client: TcpStream) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match client.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let _ = client
        .write_all(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n\
              Content-Length: 86\r\nConnection: close\r\n\r\n\
              <Error><Code>ServiceUnavailable</Code><Message>injected by the test</Message></Error>\n",
        )
        .await;
    let _ = client.shutdown().await;
}
