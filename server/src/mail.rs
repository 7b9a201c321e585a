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
