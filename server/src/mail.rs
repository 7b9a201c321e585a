//! Email: SMTP when `SMTP_URL` is set, otherwise `.eml` files in the
//! outbox folder (and the link in the server log).

use std::path::PathBuf;

use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::AppError;

/// Where mail goes.
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Outbox(dir) => write!(f, "Mailer::Outbox({})", dir.display()),
        }
    }
}

const FROM: &str = "Gatehouse <no-reply@gatehouse.invalid>";

impl Mailer {
    /// SMTP from a URL like `smtp://user:pass@host:587`, else the outbox.
    pub fn from_settings(smtp_url: Option<&str>, outbox: PathBuf) -> Result<Mailer, String> {
        match smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Mailer::Smtp(b.build()))
                .map_err(|e| format!("invalid SMTP_URL: {e}")),
            None => {
                std::fs::create_dir_all(&outbox)
                    .map_err(|e| format!("cannot create {}: {e}", outbox.display()))?;
                Ok(Mailer::Outbox(outbox))
            }
        }
    }

    /// Sends one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), AppError> {
        let to: Mailbox =
            to.parse().map_err(|_| AppError::invalid("email", "Enter a valid email address."))?;
        let from: Mailbox =
            FROM.parse().map_err(|e| AppError::Internal(format!("from address: {e}")))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .body(body)
            .map_err(|e| AppError::Internal(format!("building email: {e}")))?;
        match self {
            Mailer::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| AppError::Internal(format!("smtp: {e}"))),
            Mailer::Outbox(dir) => AsyncFileTransport::<Tokio1Executor>::new(dir)
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| AppError::Internal(format!("outbox: {e}"))),
        }
    }
}

/// An email written with the change that causes it, sent after commit.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mail {
    /// A message to `to`; refused before anything is written if the
    /// address cannot be sent to.
    pub fn new(to: &str, subject: String, body: String) -> Result<Mail, AppError> {
        to.parse::<Mailbox>()
            .map_err(|_| AppError::invalid("email", "Enter a valid email address."))?;
        Ok(Mail { to: to.to_owned(), subject, body })
    }
}

/// Stores `mails` in the outbox table inside the write's transaction,
/// claimed by this process (the sweep retries them if sending fails).
pub async fn store(
    tx: &mut crate::db::Tx,
    mails: &[Mail],
    now: i64,
) -> Result<Vec<(i64, Mail)>, AppError> {
    let mut out = Vec::with_capacity(mails.len());
    for m in mails {
        let row = sqlx::query(
            "INSERT INTO outbox (recipient, subject, body, created_at, claimed_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(&m.to)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        out.push((crate::db::col(&row, "id")?, m.clone()));
    }
    Ok(out)
}

/// Sends stored mails (after commit, holding no lock) and deletes each one
/// sent; a failure is logged (never the body: it may hold a link) and left
/// to [`sweep`].
pub async fn send_stored(st: &crate::AppState, stored: Vec<(i64, Mail)>) {
    for (id, m) in stored {
        match st.mailer.send(&m.to, &m.subject, m.body).await {
            Ok(()) => {
                if let Err(e) = sqlx::query("DELETE FROM outbox WHERE id = $1")
                    .bind(id)
                    .execute(&st.db.pool)
                    .await
                {
                    tracing::warn!(outbox = id, error = %e, "sent mail stays in the outbox");
                }
            }
            Err(e) => tracing::warn!(outbox = id, error = %e, "mail not sent; will retry"),
        }
    }
}

/// Retries mails whose sending failed or whose process stopped before
/// sending: claims up to 20 unsent for two minutes or more, sends them.
pub async fn sweep(st: &crate::AppState) -> Result<usize, AppError> {
    let now = st.now();
    let rows = sqlx::query(
        "UPDATE outbox SET claimed_at = $1, attempts = attempts + 1 WHERE id IN \
         (SELECT id FROM outbox WHERE claimed_at < $2 AND attempts < 20 ORDER BY id LIMIT 20) \
         RETURNING id, recipient, subject, body",
    )
    .bind(now)
    .bind(now - 120)
    .fetch_all(&st.db.pool)
    .await?;
    let mut stored = Vec::with_capacity(rows.len());
    for r in &rows {
        stored.push((
            crate::db::col(r, "id")?,
            Mail {
                to: crate::db::col(r, "recipient")?,
                subject: crate::db::col(r, "subject")?,
                body: crate::db::col(r, "body")?,
            },
        ));
    }
    let n = stored.len();
    send_stored(st, stored).await;
    Ok(n)
}
