//! Queues the poller reads: SQS, and an in-process queue with the same semantics (visibility
//! timeout, redelivery, receive counts) for the local pipeline.

mod memory;
mod sqs;

use std::future::Future;
use std::time::Duration;

pub use memory::MemoryQueue;
pub use sqs::{SqsQueue, client as sqs_client};

use crate::batch::Message;

/// A message as received: it stays on the queue, invisible, until deleted by its receipt.
#[derive(Clone, Debug)]
pub struct Received {
    pub message: Message,
    /// The handle that deletes or extends this delivery.
    pub receipt: String,
    /// How many times the message has been delivered, this time included.
    pub receive_count: u32,
}

/// What the poller needs of a queue.
pub trait Queue: Send + Sync {
    /// Up to `max` (at most 10) messages, waiting up to `wait` for the first; each becomes
    /// invisible for `visibility`.
    fn receive(
        &self,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> impl Future<Output = Result<Vec<Received>, String>> + Send;

    /// Deletes deliveries; returns how many were deleted.
    fn delete(&self, receipts: &[String]) -> impl Future<Output = Result<usize, String>> + Send;

    /// Makes deliveries invisible for `visibility` more, from now.
    fn extend(
        &self,
        receipts: &[String],
        visibility: Duration,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// True when no message can arrive for now: the queue is closed to senders and has none
    /// ready (an in-process queue whose producer has finished; redeliveries aside). The poller
    /// then ends the batch it is gathering instead of waiting out the batching window, which
    /// only waits for messages that could still arrive. SQS never knows this. While it holds,
    /// `receive` may answer empty at once instead of waiting: a queue that wraps another must
    /// pass this on, or the poller would ask again and again.
    fn exhausted(&self) -> bool {
        false
    }
}
