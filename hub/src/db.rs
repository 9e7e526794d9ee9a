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

/// Registers a centre (or renames it) and gives it a new uplink token, returned once.
pub async fn add_centre(pool: &Pool, code: &str, name: &str, address: &str) -> anyhow::Result<String> {
    let token = new_token()?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO centres (code, name, address) VALUES ($1, $2, $3)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, address = excluded.address",
        &[&code, &name, &address],
    )
    .await?;
    tx.execute("INSERT INTO centre_tokens (token_hash, centre) VALUES ($1, $2)", &[&token_hash(&token), &code]).await?;
    tx.commit().await?;
    Ok(token)
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
        .context("không thêm được người xem (mã trung tâm có trong danh sách không?)")?;
    Ok(token)
}
