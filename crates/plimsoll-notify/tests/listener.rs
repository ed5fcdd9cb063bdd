//! Webhooks against a real HTTP listener on 127.0.0.1 that answers what
//! each test tells it to (including failing on purpose, and hanging).

use plimsoll_notify::{Flavor, Webhook, send};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the listener does with the n-th request.
#[derive(Clone, Copy)]
enum Answer {
    Status(u16),
    Hang,
}

struct Listener {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut r = BufReader::new(s.try_clone().ok()?);
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(body)
}

fn listen(script: Vec<Answer>) -> Listener {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook?token=secret", l.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for (i, conn) in l.incoming().enumerate() {
            let Ok(mut s) = conn else { continue };
            let Some(body) = read_request(&mut s) else {
                continue;
            };
            seen.lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
            match script.get(i).copied().unwrap_or(Answer::Status(200)) {
                Answer::Status(code) => {
                    let _ = write!(
                        s,
                        "HTTP/1.1 {code} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    );
                }
                Answer::Hang => {
                    std::thread::sleep(Duration::from_secs(3));
                }
            }
        }
    });
    Listener { url, bodies }
}

fn quick(url: &str, flavor: Flavor) -> Webhook {
    Webhook {
        timeout: Duration::from_millis(700),
        backoff: Duration::from_millis(20),
        ..Webhook::new(url, flavor)
    }
}

#[test]
fn retries_through_failures_then_delivers() {
    let l = listen(vec![
        Answer::Status(500),
        Answer::Status(503),
        Answer::Status(200),
    ]);
    let ev = json!({"verdict": "notify", "growth_bytes": 16_000_000});
    let d = send(&quick(&l.url, Flavor::Generic), &ev, "grew").unwrap();
    assert_eq!((d.attempts, d.status), (3, 200));
    let bodies = l.bodies.lock().unwrap();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| *b == ev));
}

#[test]
fn chat_flavours_post_their_shapes() {
    let l = listen(vec![]);
    send(
        &quick(&l.url, Flavor::Slack),
        &json!({}),
        "image grew 16 MB",
    )
    .unwrap();
    send(
        &quick(&l.url, Flavor::Wecom),
        &json!({}),
        "image grew 16 MB",
    )
    .unwrap();
    let bodies = l.bodies.lock().unwrap();
    assert_eq!(bodies[0], json!({"text": "image grew 16 MB"}));
    assert_eq!(
        bodies[1],
        json!({"msgtype": "text", "text": {"content": "image grew 16 MB"}})
    );
}

#[test]
fn gives_up_after_three_retries_and_names_the_url_without_its_token() {
    let l = listen(vec![Answer::Status(500); 10]);
    let e = send(&quick(&l.url, Flavor::Generic), &json!({}), "").unwrap_err();
    assert_eq!(e.attempts, 4);
    assert_eq!(l.bodies.lock().unwrap().len(), 4);
    let msg = e.to_string();
    assert!(msg.contains("HTTP 500") && !msg.contains("secret"), "{msg}");
}

#[test]
fn client_errors_are_not_retried() {
    let l = listen(vec![Answer::Status(404); 10]);
    let e = send(&quick(&l.url, Flavor::Generic), &json!({}), "").unwrap_err();
    assert_eq!(e.attempts, 1);
}

#[test]
fn a_hanging_listener_times_out_and_a_closed_port_fails() {
    let l = listen(vec![Answer::Hang, Answer::Hang, Answer::Status(200)]);
    let mut hook = quick(&l.url, Flavor::Generic);
    hook.retries = 1;
    let e = send(&hook, &json!({}), "").unwrap_err();
    assert_eq!(e.attempts, 2, "{e}");
    // A port nothing listens on.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let e = send(
        &quick(&format!("http://{free}/"), Flavor::Generic),
        &json!({}),
        "",
    )
    .unwrap_err();
    assert_eq!(e.attempts, 4, "{e}");
}
