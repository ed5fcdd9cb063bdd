//! The engine client against a real `podman system service` (Docker-
//! compatible API on a unix socket) with private storage.

mod common;

use common::*;
use plimsoll_remote::{
    Engine, EngineOptions, RemoteError, engine_export_with, engine_inspect_with,
};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A podman API service on a private socket, storage and run directory.
/// Storage uses the `vfs` driver: overlay would leave a bind mount of its
/// home behind in the temporary directory.
struct Podman {
    socket: PathBuf,
    env: Vec<(&'static str, PathBuf)>,
    _service: Proc,
}

impl Podman {
    fn start(work: &Path) -> Podman {
        let dir = work.join("podman");
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let storage = dir.join("storage.conf");
        std::fs::write(
            &storage,
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/graph\"\nrunroot = \"{0}/run\"\n",
                dir.display()
            ),
        )
        .unwrap();
        let containers = dir.join("containers.conf");
        std::fs::write(
            &containers,
            format!(
                "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n\
                 [engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n\
                 tmp_dir = \"{}\"\n",
                dir.join("tmp").display()
            ),
        )
        .unwrap();
        let env = vec![
            ("CONTAINERS_STORAGE_CONF", storage),
            ("CONTAINERS_CONF", containers),
        ];
        let socket = dir.join("podman.sock");
        let mut cmd = Command::new("podman");
        cmd.envs(env.iter().map(|(k, v)| (k, v)))
            .args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", socket.display()));
        let mut service = Proc::spawn("podman system service", &mut cmd, &dir.join("service.log"));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            service.check_alive();
            if ping(&socket) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "podman system service did not answer on {}",
                socket.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Podman {
            socket,
            env,
            _service: service,
        }
    }

    fn podman(&self) -> Command {
        let mut c = Command::new("podman");
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c
    }

    fn options(&self) -> EngineOptions {
        EngineOptions {
            socket: Some(self.socket.clone()),
            timeout: None,
        }
    }
}

fn ping(socket: &Path) -> bool {
    let Ok(mut s) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 12];
    s.write_all(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        .is_ok()
        && s.read_exact(&mut buf).is_ok()
        && &buf == b"HTTP/1.1 200"
}

fn tar_member(archive: &Path, member: &str) -> Vec<u8> {
    let out = Command::new("tar")
        .arg("-xOf")
        .arg(archive)
        .arg(member)
        .output()
        .expect("run tar");
    assert!(
        out.status.success(),
        "tar -xOf {} {member}: {}",
        archive.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn exports_and_inspects_images_from_podman() {
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(work.path());
    let archive = work.path().join("load.tar");
    run(Command::new("skopeo")
        .args(["copy", "--quiet"])
        .arg(layout.image("amd64"))
        .arg(format!(
            "docker-archive:{}:localhost/plimsoll-remote-test:1",
            archive.display()
        )));
    let podman = Podman::start(work.path());
    run(podman.podman().arg("load").arg("-i").arg(&archive));

    let manifest: serde_json::Value =
        serde_json::from_slice(&layout.blob(&layout.amd64.digest)).unwrap();
    let config_digest = manifest["config"]["digest"].as_str().unwrap().to_string();

    for (engine, name) in [
        (Engine::Podman, "localhost/plimsoll-remote-test:1"),
        (Engine::Podman, "plimsoll-remote-test:1"),
        (Engine::Docker, &config_digest[7..19]),
    ] {
        let mut stream =
            engine_export_with(engine, name, &podman.options()).unwrap_or_else(|e| panic!("{e}"));
        let saved = work.path().join("saved.tar");
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).unwrap();
        std::fs::write(&saved, &bytes).unwrap();

        let list = run(Command::new("tar").arg("-tf").arg(&saved));
        assert!(list.lines().any(|l| l == "manifest.json"), "{name}: {list}");
        let m: serde_json::Value =
            serde_json::from_slice(&tar_member(&saved, "manifest.json")).unwrap();
        let entry = &m[0];
        assert_eq!(
            entry["Config"].as_str().unwrap().trim_end_matches(".json"),
            &config_digest[7..],
            "{name}"
        );
        // The one layer holds the file umoci put there, byte for byte.
        let layer_path = entry["Layers"][0].as_str().unwrap();
        let layer = work.path().join("layer.tar");
        std::fs::write(&layer, tar_member(&saved, layer_path)).unwrap();
        assert!(
            tar_member(&layer, "data/payload.bin") == layout.payload,
            "{name}: payload differs"
        );
    }

    let inspected = engine_inspect_with(
        Engine::Podman,
        "localhost/plimsoll-remote-test:1",
        &podman.options(),
    )
    .unwrap();
    assert_eq!(inspected["Id"].as_str(), Some(config_digest.as_str()));
    assert_eq!(inspected["Architecture"].as_str(), Some("amd64"));

    for name in ["nope:1", "localhost/no/such:image"] {
        match engine_export_with(Engine::Podman, name, &podman.options()) {
            Err(e @ RemoteError::NoSuchImage { .. }) => {
                assert_eq!(e.to_string(), format!("no such image {name} in podman"))
            }
            Err(e) => panic!("{name}: {e}"),
            Ok(_) => panic!("{name}: exported"),
        }
    }
    let e = engine_inspect_with(Engine::Podman, "nope:1", &podman.options()).unwrap_err();
    assert!(matches!(e, RemoteError::NoSuchImage { .. }), "{e}");
}

#[test]
fn unreachable_engines_are_clear_errors() {
    let work = tempfile::tempdir().unwrap();
    let socket = work.path().join("absent.sock");
    let opts = EngineOptions {
        socket: Some(socket.clone()),
        timeout: None,
    };
    let e = engine_export_with(Engine::Podman, "alpine", &opts)
        .err()
        .unwrap();
    let m = e.to_string();
    assert!(matches!(e, RemoteError::EngineIo { .. }), "{m}");
    assert!(
        m.contains(&socket.display().to_string()) && m.contains("podman system service"),
        "{m}"
    );

    let e = engine_export_with(Engine::Docker, "alpine", &opts)
        .err()
        .unwrap();
    assert!(e.to_string().contains("Docker daemon"), "{e}");

    // A socket that answers something that is not HTTP.
    let listener = std::os::unix::net::UnixListener::bind(work.path().join("junk.sock")).unwrap();
    let server = std::thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let mut buf = [0u8; 256];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(b"SSH-2.0-OpenSSH_9.2\r\n");
        }
    });
    let e = engine_export_with(
        Engine::Docker,
        "alpine",
        &EngineOptions {
            socket: Some(work.path().join("junk.sock")),
            timeout: Some(Duration::from_secs(30)),
        },
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("not an HTTP/1.x answer"), "{e}");
    server.join().unwrap();
}
