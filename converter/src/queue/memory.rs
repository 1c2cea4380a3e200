//! An in-process queue with SQS's delivery semantics, for the local pipeline: received messages
//! stay in flight, invisible, until deleted; undeleted ones come back when their visibility
//! timeout expires, with a higher receive count. Producers block while it is full, so memory
//! stays flat whatever the count.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::{Queue, Received};
use crate::batch::Message;

pub struct MemoryQueue {
    state: Mutex<State>,
    /// Wakes receivers when a message arrives or the queue closes.
    arrived: Notify,
    /// Wakes blocked producers when room frees up.
    room: Condvar,
    capacity: usize,
}

#[derive(Default)]
struct State {
    ready: VecDeque<Stored>,
    in_flight: HashMap<String, (Stored, Instant)>,
    next_id: u64,
    next_receipt: u64,
    closed: bool,
}

struct Stored {
    message: Message,
    receives: u32,
}

impl MemoryQueue {
    /// A queue holding at most `capacity` messages (ready and in flight).
    pub fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            arrived: Notify::new(),
            room: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves plain data behind; keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Enqueues a body, blocking the calling (non-async) thread while the queue is full.
    /// Returns the message id.
    pub fn send_blocking(&self, body: Vec<u8>) -> String {
        let mut state = self.lock();
        while state.ready.len() + state.in_flight.len() >= self.capacity && !state.closed {
            state = self.room.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.next_id += 1;
        let id = format!("local-{:012}", state.next_id);
        state.ready.push_back(Stored {
            message: Message::new(id.clone(), body),
            receives: 0,
        });
        drop(state);
        self.arrived.notify_waiters();
        id
    }

    /// No more messages will be sent: receivers stop waiting once the queue drains.
    pub fn close(&self) {
        self.lock().closed = true;
        self.arrived.notify_waiters();
        self.room.notify_all();
    }

    /// True when closed and nothing is ready or in flight.
    pub fn is_drained(&self) -> bool {
        let state = self.lock();
        state.closed && state.ready.is_empty() && state.in_flight.is_empty()
    }

    /// Messages ready plus in flight.
    pub fn len(&self) -> usize {
        let state = self.lock();
        state.ready.len() + state.in_flight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn take(&self, max: usize, visibility: Duration) -> Vec<Received> {
        let mut state = self.lock();
        let now = Instant::now();
        let expired: Vec<String> = state
            .in_flight
            .iter()
            .filter(|(_, (_, deadline))| *deadline <= now)
            .map(|(receipt, _)| receipt.clone())
            .collect();
        for receipt in expired {
            if let Some((stored, _)) = state.in_flight.remove(&receipt) {
                state.ready.push_back(stored);
            }
        }
        let mut out = Vec::new();
        while out.len() < max {
            let Some(mut stored) = state.ready.pop_front() else {
                break;
            };
            stored.receives += 1;
            state.next_receipt += 1;
            let receipt = format!("r{}", state.next_receipt);
            out.push(Received {
                message: stored.message.clone(),
                receipt: receipt.clone(),
                receive_count: stored.receives,
            });
            state.in_flight.insert(receipt, (stored, now + visibility));
        }
        out
    }
}

impl Queue for MemoryQueue {
    async fn receive(
        &self,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Received>, String> {
        let deadline = Instant::now() + wait;
        loop {
            let arrived = self.arrived.notified();
            let got = self.take(max.clamp(1, 10), visibility);
            let now = Instant::now();
            if !got.is_empty() || now >= deadline || self.exhausted() {
                return Ok(got);
            }
            // Wake on arrival, or soon anyway: in-flight messages may expire back to ready.
            let nap = (deadline - now).min(Duration::from_millis(100));
            let _ = tokio::time::timeout(nap, arrived).await;
        }
    }

    fn exhausted(&self) -> bool {
        let state = self.lock();
        let now = Instant::now();
        // An in-flight message past its visibility timeout is as good as ready.
        state.closed
            && state.ready.is_empty()
            && state
                .in_flight
                .values()
                .all(|(_, deadline)| *deadline > now)
    }

    async fn delete(&self, receipts: &[String]) -> Result<usize, String> {
        let mut state = self.lock();
        let deleted = receipts
            .iter()
            .filter(|r| state.in_flight.remove(*r).is_some())
            .count();
        drop(state);
        self.room.notify_all();
        self.arrived.notify_waiters();
        Ok(deleted)
    }

    async fn extend(&self, receipts: &[String], visibility: Duration) -> Result<(), String> {
        let mut state = self.lock();
        let deadline = Instant::now() + visibility;
        for receipt in receipts {
            if let Some((_, d)) = state.in_flight.get_mut(receipt) {
                *d = deadline;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn undeleted_messages_come_back_after_their_visibility_timeout() {
        let queue = MemoryQueue::new(10);
        let id = queue.send_blocking(b"{}".to_vec());
        let short = Duration::from_millis(50);
        let first = queue.receive(10, Duration::ZERO, short).await.unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].message.id, id);
        assert!(
            queue
                .receive(10, Duration::ZERO, short)
                .await
                .unwrap()
                .is_empty()
        );
        tokio::time::sleep(Duration::from_millis(80)).await;
        let again = queue.receive(10, Duration::ZERO, short).await.unwrap();
        assert_eq!(again[0].message.id, id);
        assert_eq!(again[0].receive_count, 2);
        assert_eq!(queue.delete(&[again[0].receipt.clone()]).await, Ok(1));
        assert_eq!(queue.delete(&[first[0].receipt.clone()]).await, Ok(0));
        queue.close();
        assert!(queue.is_drained());
    }
}
