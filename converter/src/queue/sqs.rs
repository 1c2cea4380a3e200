//! The SQS queue, through `aws-sdk-sqs`.

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry,
    MessageSystemAttributeName,
};

use super::{Queue, Received};
use crate::batch::Message;
use crate::lake::describe;

#[derive(Clone, Debug)]
pub struct SqsQueue {
    client: Client,
    url: String,
}

impl SqsQueue {
    /// Checks the queue exists and is reachable: misconfiguration fails at start-up.
    pub async fn connect(client: Client, url: &str) -> Result<Self, String> {
        client
            .get_queue_attributes()
            .queue_url(url)
            .send()
            .await
            .map_err(|e| format!("queue {url}: {}", describe(&e)))?;
        Ok(Self {
            client,
            url: url.into(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

/// An SQS client from the standard AWS chain, with an optional endpoint override.
pub async fn client(endpoint_url: Option<&str>) -> Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(endpoint) = endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    Client::new(&loader.load().await)
}

impl Queue for SqsQueue {
    async fn receive(
        &self,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Received>, String> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .visibility_timeout(visibility.as_secs().clamp(1, 43_200) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        Ok(output
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                let receive_count = m
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                Some(Received {
                    receipt: m.receipt_handle?,
                    message: Message::new(m.message_id?, m.body.unwrap_or_default()),
                    receive_count,
                })
            })
            .collect())
    }

    async fn delete(&self, receipts: &[String]) -> Result<usize, String> {
        let mut deleted = 0;
        for chunk in receipts.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, receipt)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(receipt)
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            let output = self
                .client
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| describe(&e))?;
            deleted += output.successful.len();
            // A batch call succeeds even when some of its entries fail (an expired receipt
            // handle, throttling). Such a message was stored, so it is not lost: it comes back
            // and overwrites its own files or adds duplicates the warehouse removes. Said, not
            // hidden, and counted out of `deleted`.
            if let Some(failure) = output.failed.first() {
                tracing::warn!(
                    failed = output.failed.len(),
                    reason = %entry_failure(failure),
                    "some stored messages were not deleted; they will be delivered again"
                );
            }
        }
        Ok(deleted)
    }

    async fn extend(&self, receipts: &[String], visibility: Duration) -> Result<(), String> {
        let mut failed = (0, None);
        for chunk in receipts.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, receipt)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(receipt)
                        .visibility_timeout(visibility.as_secs().clamp(1, 43_200) as i32)
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            let output = self
                .client
                .change_message_visibility_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| describe(&e))?;
            // The call succeeds even when some entries fail: those messages may be delivered
            // again while this batch is still being stored, which the caller must hear of.
            failed.0 += output.failed.len();
            if failed.1.is_none() {
                failed.1 = output.failed.first().map(entry_failure);
            }
        }
        match failed {
            (0, _) => Ok(()),
            (count, reason) => Err(format!(
                "{count} of {} visibility extensions failed: {}",
                receipts.len(),
                reason.unwrap_or_default()
            )),
        }
    }
}

/// One line for a failed entry of a batch call: its error code and message.
fn entry_failure(entry: &aws_sdk_sqs::types::BatchResultErrorEntry) -> String {
    match &entry.message {
        Some(message) => format!("{}: {message}", entry.code),
        None => entry.code.clone(),
    }
}
