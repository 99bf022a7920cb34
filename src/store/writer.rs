//! A thread of its own for the tasks that drive the writer connection: the
//! group commit (`batch`) and the code claims (`oauth::CodeClaimer`).
//!
//! Each of those tasks runs its statements one after another, each a round
//! trip to the database thread, and everything waiting for the writer waits
//! for the whole chain. On the request runtime the task re-queued behind
//! every request after each answer: at 32 concurrent Sign in as User flows
//! the machine stood 30% idle while requests waited for the writer. Here
//! the task has a runtime to itself and continues as soon as the database
//! answers.

use std::future::Future;

use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

use crate::error::{CoreError, CoreResult};

pub(crate) struct Writer {
    handle: Handle,
    // Dropped with the last clone of the store: the thread then ends and
    // takes its runtime and tasks with it.
    _stop: oneshot::Sender<()>,
}

impl Writer {
    pub fn start() -> CoreResult<Writer> {
        let failed =
            |e: std::io::Error| CoreError::Internal(format!("cannot start the writer: {e}"));
        let rt = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(failed)?;
        let handle = rt.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("masquerade-writer".into())
            .spawn(move || {
                rt.block_on(async {
                    let _ = stopped.await;
                });
            })
            .map_err(failed)?;
        Ok(Writer {
            handle,
            _stop: stop,
        })
    }

    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.handle.spawn(task);
    }
}

/// The inbox of a task on the writer thread, started on first use (and
/// again should it ever end).
pub(crate) struct Inbox<T> {
    queue: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<T>>>,
}

impl<T> Default for Inbox<T> {
    fn default() -> Self {
        Inbox {
            queue: std::sync::Mutex::new(None),
        }
    }
}

impl<T: Send + 'static> Inbox<T> {
    /// Hands `item` to the task, starting it with `start` when it is not
    /// running. False when the task could not take it.
    pub fn send<F, Fut>(&self, writer: &Writer, item: T, start: F) -> bool
    where
        F: FnOnce(tokio::sync::mpsc::UnboundedReceiver<T>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let sender = match queue.as_ref().filter(|q| !q.is_closed()) {
            Some(q) => q.clone(),
            None => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                writer.spawn(start(rx));
                *queue = Some(tx.clone());
                tx
            }
        };
        sender.send(item).is_ok()
    }
}
