// One-shot: create sesami's job queue and its dead-letter queue on the SQS
// endpoint, with the same shape as terraform/modules/queue (redrive to the DLQ
// after MAX_RECEIVE_COUNT receives, visibility timeout).  Idempotent:
// CreateQueue with identical attributes returns the existing queue.
// Speaks the SQS JSON protocol with fetch; the emulator checks no signature.

const endpoint = process.env.SQS_ENDPOINT ?? "http://sqs:4566";
const region = process.env.AWS_REGION ?? "us-east-1";
const name = process.env.QUEUE_NAME ?? "sesami-jobs";
const maxReceiveCount = Number(process.env.MAX_RECEIVE_COUNT ?? 5);
const visibilityTimeout = Number(process.env.VISIBILITY_TIMEOUT ?? 180);
const expectedUrl = process.env.EXPECTED_QUEUE_URL ?? "";

// Call one SQS action and return its decoded JSON answer.
async function sqs(action, body) {
  const res = await fetch(endpoint + "/", {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": `AmazonSQS.${action}`,
      // A syntactically valid SigV4 header so the emulator reads the region from it.
      Authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${action} failed: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

// Retry until the endpoint answers (it may still be starting).
async function waitForEndpoint() {
  for (let i = 0; i < 60; i++) {
    try {
      await sqs("ListQueues", {});
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  throw new Error(`SQS endpoint ${endpoint} did not answer`);
}

await waitForEndpoint();
const dlq = await sqs("CreateQueue", { QueueName: `${name}-dlq`, Attributes: { MessageRetentionPeriod: "1209600" } });
const dlqAttrs = await sqs("GetQueueAttributes", { QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] });
const queue = await sqs("CreateQueue", {
  QueueName: name,
  Attributes: {
    VisibilityTimeout: String(visibilityTimeout),
    ReceiveMessageWaitTimeSeconds: "20",
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqAttrs.Attributes.QueueArn, maxReceiveCount }),
  },
});
console.log(`job queue ${queue.QueueUrl}`);
console.log(`dead-letter queue ${dlq.QueueUrl}`);
if (expectedUrl && queue.QueueUrl !== expectedUrl) {
  console.error(`queue URL ${queue.QueueUrl} differs from SQS_QUEUE_URL ${expectedUrl}; fix compose.yaml`);
  process.exit(1);
}
