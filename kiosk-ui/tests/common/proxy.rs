//! A small reverse proxy on loopback standing in for the nginx a centre puts in front of the
//! server: it passes each connection through to the server, or, while the server is away (being
//! restarted), answers every request with nginx's own "502 Bad Gateway" page, as a proxy whose
//! upstream is down does, and cuts the connections it was passing through (the network between
//! them is gone). It keeps the path of every request it answered 502.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BAD_GATEWAY: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

/// The proxy.
#[derive(Clone)]
pub struct Proxy {
    /// Where it listens.
    pub addr: SocketAddr,
    upstream: Arc<Mutex<Option<SocketAddr>>>,
    refused: Arc<Mutex<Vec<String>>>,
    cut: Arc<tokio::sync::watch::Sender<u64>>,
}

impl Proxy {
    /// Starts proxying to `upstream` on the current runtime.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let proxy = Proxy {
            addr: listener.local_addr().expect("addr"),
            upstream: Arc::new(Mutex::new(Some(upstream))),
            refused: Arc::default(),
            cut: Arc::new(tokio::sync::watch::channel(0).0),
        };
        let this = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let this = this.clone();
                tokio::spawn(async move { this.serve(client).await });
            }
        });
        proxy
    }

    /// The proxy's URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends new connections to `upstream`, or answers them 502 when `None` (and cuts the open
    /// ones).
    pub fn set_upstream(&self, upstream: Option<SocketAddr>) {
        *self.upstream.lock().expect("lock") = upstream;
        if upstream.is_none() {
            self.cut.send_modify(|n| *n += 1);
        }
    }

    /// Paths of the requests answered 502 so far.
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().expect("lock").clone()
    }

    async fn serve(&self, mut client: TcpStream) {
        let upstream = *self.upstream.lock().expect("lock");
        if let Some(addr) = upstream {
            if let Ok(mut server) = TcpStream::connect(addr).await {
                let mut cut = self.cut.subscribe();
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    _ = cut.changed() => {}
                }
                return;
            }
        }
        // The request's head, then the error page, then the connection closes.
        let mut head = Vec::new();
        let mut buf = [0u8; 2048];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            match tokio::time::timeout(Duration::from_secs(5), client.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
                _ => return,
            }
        }
        let path = String::from_utf8_lossy(&head).split_whitespace().nth(1).unwrap_or_default().to_string();
        self.refused.lock().expect("lock").push(path);
        let answer = format!(
            "HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{BAD_GATEWAY}",
            BAD_GATEWAY.len()
        );
        let _ = client.write_all(answer.as_bytes()).await;
        let _ = client.shutdown().await;
    }
}
