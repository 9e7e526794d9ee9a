//! The hub's PostgreSQL: a connection pool and the embedded migrations, applied at start under an
//! advisory lock so that any number of hub processes may start at once on one database.

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

/// Migrations in order; `hub_migrations` records those applied.
const MIGRATIONS: &[&str] = &[
    r#"
-- The registry: every centre of the province, by its official unit code (mã đơn vị), with what
-- the hub knows of its uplink and chain.
CREATE TABLE centres (
    code             text PRIMARY KEY,
    name             text NOT NULL,
    address          text NOT NULL DEFAULT '',
    last_id          bigint NOT NULL DEFAULT 0,
    last_hash        text NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
    last_at_ms       bigint,
    last_seen        timestamptz,
    backlog          bigint NOT NULL DEFAULT 0,
    chain_break_id   bigint,
    chain_break_kind text,
    chain_break_seen timestamptz,
    live             jsonb,
    waits            jsonb,
    live_at          timestamptz,
    profile          jsonb
);

-- A centre's uplink tokens (BLAKE2s-256 of the token, hex); more than one while one is replaced.
CREATE TABLE centre_tokens (
    token_hash text PRIMARY KEY,
    centre     text NOT NULL REFERENCES centres (code),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Who may read the province's views: the whole province (centre NULL) or one centre.
CREATE TABLE viewers (
    token_hash text PRIMARY KEY,
    name       text NOT NULL,
    centre     text REFERENCES centres (code),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Every centre's event log as the centre wrote it (chained: prev_hash, hash).
CREATE TABLE events (
    centre      text   NOT NULL REFERENCES centres (code),
    id          bigint NOT NULL,
    at_ms       bigint NOT NULL,
    day         date   NOT NULL,
    kind        text   NOT NULL,
    ticket_id   text,
    service     text,
    counter_no  integer,
    dossier     text,
    actor       text,
    payload     text   NOT NULL,
    prev_hash   text   NOT NULL,
    hash        text   NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (centre, id)
);
CREATE INDEX events_day ON events (centre, day);
"#,
    r#"
-- Reports read a ticket's events by its id (a ticket may end days after its own day).
CREATE INDEX events_ticket ON events (centre, ticket_id) WHERE ticket_id IS NOT NULL;
"#,
    r#"
-- The last refusal of a centre's batches while it lasts (`diverged`: its log was replaced).
ALTER TABLE centres ADD COLUMN refusal text;
ALTER TABLE centres ADD COLUMN refusal_at timestamptz;
-- Chain alerts cleared by the province's administrator, with what was found.
CREATE TABLE chain_alerts_cleared (
    centre     text        NOT NULL,
    event_id   bigint      NOT NULL,
    kind       text        NOT NULL,
    note       text        NOT NULL,
    cleared_at timestamptz NOT NULL DEFAULT now()
);
"#,
];

/// A pool of `size` connections to the database `url` (libpq style: `host=… port=… user=… dbname=…`,
/// or `postgresql://…`).
pub fn pool(url: &str, size: usize) -> anyhow::Result<Pool> {
    let config: tokio_postgres::Config = url.parse().context("chuỗi kết nối PostgreSQL không hợp lệ")?;
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager).max_size(size).build().context("không tạo được nhóm kết nối PostgreSQL")
}

/// Applies the migrations not applied yet, in one transaction holding an advisory lock.
pub async fn migrate(pool: &Pool) -> anyhow::Result<()> {
    let mut client = pool.get().await.context("không kết nối được PostgreSQL")?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock(727368)", &[]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS hub_migrations (
             version    integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await?;
    let applied: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM hub_migrations", &[]).await?.get(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(applied).unwrap_or(0)) {
        tx.batch_execute(sql).await.with_context(|| format!("migration {}", i + 1))?;
        tx.execute("INSERT INTO hub_migrations (version) VALUES ($1)", &[&i32::try_from(i + 1)?]).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// BLAKE2s-256 of a token, hex (tokens are stored only hashed).
pub fn token_hash(token: &str) -> String {
    use blake2::Digest;
    blake2::Blake2s256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random token: 32 hex characters.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("không có số ngẫu nhiên: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A unit code as the registry takes it: 1–40 of A–Z, a–z, 0–9, `.`, `-`, `_`, surrounding
/// spaces removed (`000.00.20.H56`).
pub fn unit_code(code: &str) -> anyhow::Result<String> {
    let code = code.trim();
    if code.is_empty() || code.len() > 40 || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b)) {
        anyhow::bail!(
            "mã đơn vị «{code}» không hợp lệ: 1–40 ký tự A–Z, 0–9, dấu chấm, gạch ngang (ví dụ 000.00.20.H56)"
        );
    }
    Ok(code.to_string())
}

/// Registers a new centre and gives it an uplink token, returned once. A code already registered
/// is refused: [`replace_token`] gives it a new token, [`archive_log`] a fresh log.
pub async fn add_centre(pool: &Pool, code: &str, name: &str, address: &str) -> anyhow::Result<String> {
    let code = unit_code(code)?;
    let name = name.trim();
    if name.is_empty() {
        anyhow::bail!("cần tên trung tâm");
    }
    let token = new_token()?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let added = tx
        .execute(
            "INSERT INTO centres (code, name, address) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING",
            &[&code, &name, &address.trim()],
        )
        .await?;
    if added == 0 {
        anyhow::bail!(
            "trung tâm {code} đã được đăng ký; cấp mã truy cập mới (thu hồi mã cũ) bằng `province-hub replace-token`"
        );
    }
    tx.execute("INSERT INTO centre_tokens (token_hash, centre) VALUES ($1, $2)", &[&token_hash(&token), &code]).await?;
    tx.commit().await?;
    Ok(token)
}

/// Revokes every token of a centre and gives it a new one, returned once (a token leaked, a
/// machine replaced).
pub async fn replace_token(pool: &Pool, code: &str) -> anyhow::Result<String> {
    let code = unit_code(code)?;
    let token = new_token()?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if tx.query_opt("SELECT 1 FROM centres WHERE code = $1", &[&code]).await?.is_none() {
        anyhow::bail!("không có trung tâm mã {code}");
    }
    tx.execute("DELETE FROM centre_tokens WHERE centre = $1", &[&code]).await?;
    tx.execute("INSERT INTO centre_tokens (token_hash, centre) VALUES ($1, $2)", &[&token_hash(&token), &code]).await?;
    tx.commit().await?;
    Ok(token)
}

/// Sets a centre's log aside so that it can ship a new one from its first event: a centre
/// reinstalled or restored from a backup (refused as `diverged`). Nothing is deleted: the events
/// held so far move to a new registry entry `CODE~N` ("nhật ký cũ N"), where reports still read
/// them. Returns that code.
pub async fn archive_log(pool: &Pool, code: &str) -> anyhow::Result<String> {
    let code = unit_code(code)?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = tx.query_opt("SELECT name FROM centres WHERE code = $1 FOR UPDATE", &[&code]).await? else {
        anyhow::bail!("không có trung tâm mã {code}");
    };
    let name: String = row.get(0);
    let n: i64 =
        tx.query_one("SELECT count(*) + 1 FROM centres WHERE code LIKE $1", &[&format!("{code}~%")]).await?.get(0);
    let archived = format!("{code}~{n}");
    tx.execute(
        "INSERT INTO centres (code, name, address, last_id, last_hash, last_at_ms, last_seen, chain_break_id,
                              chain_break_kind, chain_break_seen, profile)
         SELECT $2, $3, address, last_id, last_hash, last_at_ms, last_seen, chain_break_id, chain_break_kind,
                chain_break_seen, profile
         FROM centres WHERE code = $1",
        &[&code, &archived, &format!("{name} (nhật ký cũ {n})")],
    )
    .await?;
    tx.execute("UPDATE events SET centre = $2 WHERE centre = $1", &[&code, &archived]).await?;
    tx.execute(
        "UPDATE centres SET last_id = 0, last_hash = $2, last_at_ms = NULL, backlog = 0, chain_break_id = NULL,
                chain_break_kind = NULL, chain_break_seen = NULL, refusal = NULL, refusal_at = NULL
         WHERE code = $1",
        &[&code, &queue_server::chain::GENESIS],
    )
    .await?;
    tx.execute("SELECT pg_notify('motcua_hub', $1)", &[&code]).await?;
    tx.commit().await?;
    Ok(archived)
}

/// Clears a centre's chain alert after it was looked into, keeping a record (the event, the note,
/// when) in `chain_alerts_cleared`. The events stay as they were received. Returns the event the
/// alert named, if there was one.
pub async fn clear_alert(pool: &Pool, code: &str, note: &str) -> anyhow::Result<Option<i64>> {
    let code = unit_code(code)?;
    if note.trim().is_empty() {
        anyhow::bail!("cần ghi chú: đã kiểm tra gì, kết luận ra sao");
    }
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_opt("SELECT chain_break_id, chain_break_kind FROM centres WHERE code = $1 FOR UPDATE", &[&code])
        .await?
        .ok_or_else(|| anyhow::anyhow!("không có trung tâm mã {code}"))?;
    let (id, kind): (Option<i64>, Option<String>) = (row.get(0), row.get(1));
    if let Some(id) = id {
        tx.execute(
            "INSERT INTO chain_alerts_cleared (centre, event_id, kind, note) VALUES ($1, $2, $3, $4)",
            &[&code, &id, &kind.unwrap_or_default(), &note.trim()],
        )
        .await?;
        tx.execute(
            "UPDATE centres SET chain_break_id = NULL, chain_break_kind = NULL, chain_break_seen = NULL WHERE code = $1",
            &[&code],
        )
        .await?;
        tx.execute("SELECT pg_notify('motcua_hub', $1)", &[&code]).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Gives someone a token to read the province's views: of every centre (`centre` none) or of one.
pub async fn add_viewer(pool: &Pool, name: &str, centre: Option<&str>) -> anyhow::Result<String> {
    let token = new_token()?;
    let client = pool.get().await?;
    client
        .execute(
            "INSERT INTO viewers (token_hash, name, centre) VALUES ($1, $2, $3)",
            &[&token_hash(&token), &name, &centre],
        )
        .await
        .map_err(|_| anyhow::anyhow!("không thêm được người xem: không có trung tâm mã {}", centre.unwrap_or("")))?;
    Ok(token)
}
