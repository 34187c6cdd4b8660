// Answers waiting tasks with the official AWS SDK for JavaScript v3 client and prints what the
// client made of each answer (result or error class) as one JSON object.
// Usage: node task-token.mjs <endpoint> <tokenToSucceed> <tokenToFail> <wellFormedForeignToken>
import {
  SFNClient,
  SendTaskSuccessCommand,
  SendTaskFailureCommand,
  InvalidToken,
  TaskDoesNotExist,
  TaskTimedOut,
  InvalidOutput,
} from "@aws-sdk/client-sfn";

const [endpoint, succeedToken, failToken, foreignToken] = process.argv.slice(2);
const client = new SFNClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "sandbox", secretAccessKey: "sandbox" },
  maxAttempts: 1,
});

const classes = { InvalidToken, TaskDoesNotExist, TaskTimedOut, InvalidOutput };

async function attempt(command) {
  try {
    const answer = await client.send(command);
    const { $metadata, ...members } = answer;
    return { ok: true, httpStatusCode: $metadata.httpStatusCode, members };
  } catch (err) {
    return {
      ok: false,
      name: err.name,
      isModeledClass: classes[err.name] !== undefined && err instanceof classes[err.name],
      httpStatusCode: err.$metadata?.httpStatusCode,
    };
  }
}

const result = {};
result.invalidOutput = await attempt(new SendTaskSuccessCommand({ taskToken: succeedToken, output: "{not json" }));
result.success = await attempt(new SendTaskSuccessCommand({ taskToken: succeedToken, output: JSON.stringify({ woken: true }) }));
result.successAgain = await attempt(new SendTaskSuccessCommand({ taskToken: succeedToken, output: "{}" }));
result.failure = await attempt(new SendTaskFailureCommand({ taskToken: failToken, error: "Import.Failed", cause: "the job failed" }));
result.malformed = await attempt(new SendTaskFailureCommand({ taskToken: "garbage", error: "X" }));
result.foreign = await attempt(new SendTaskSuccessCommand({ taskToken: foreignToken, output: "{}" }));
process.stdout.write(JSON.stringify(result));
