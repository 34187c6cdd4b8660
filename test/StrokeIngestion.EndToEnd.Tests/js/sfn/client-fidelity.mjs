// Drives the Step Functions emulator with the official AWS SDK for JavaScript v3 client and
// prints what the client parsed as one JSON object, for the C# test to assert on.
// Usage: node client-fidelity.mjs <endpoint> <blockingStateMachineArn> <quickStateMachineArn>
import {
  SFNClient,
  StartExecutionCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  StopExecutionCommand,
  ExecutionAlreadyExists,
  StateMachineDoesNotExist,
  InvalidName,
  ExecutionDoesNotExist,
} from "@aws-sdk/client-sfn";

const [endpoint, blockingArn, quickArn] = process.argv.slice(2);
const client = new SFNClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "sandbox", secretAccessKey: "sandbox" },
  maxAttempts: 1,
});

const result = {};

async function failure(command, expectedClass) {
  try {
    await client.send(command);
    return { thrown: false };
  } catch (err) {
    return {
      thrown: true,
      name: err.name,
      isExpectedClass: err instanceof expectedClass,
      httpStatusCode: err.$metadata?.httpStatusCode,
      message: err.message,
    };
  }
}

const startInput = { stateMachineArn: blockingArn, name: "fidelity-1", input: JSON.stringify({ study_id: "STUDY-0123456789ab" }) };
const started = await client.send(new StartExecutionCommand(startInput));
result.start = {
  executionArn: started.executionArn,
  startDateIsDate: started.startDate instanceof Date,
  startDateMs: started.startDate?.getTime(),
  httpStatusCode: started.$metadata.httpStatusCode,
};

const replay = await client.send(new StartExecutionCommand(startInput));
result.replay = { executionArn: replay.executionArn, startDateMs: replay.startDate?.getTime() };

result.alreadyExists = await failure(
  new StartExecutionCommand({ ...startInput, input: JSON.stringify({ study_id: "STUDY-ffffffffffff" }) }),
  ExecutionAlreadyExists,
);
result.noStateMachine = await failure(
  new StartExecutionCommand({ stateMachineArn: blockingArn.replace(/:[^:]+$/, ":missing"), name: "x" }),
  StateMachineDoesNotExist,
);
result.invalidName = await failure(new StartExecutionCommand({ stateMachineArn: blockingArn, name: "bad name" }), InvalidName);
result.noExecution = await failure(
  new DescribeExecutionCommand({ executionArn: started.executionArn.replace(/:[^:]+$/, ":missing") }),
  ExecutionDoesNotExist,
);

const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
result.describe = {
  status: described.status,
  name: described.name,
  stateMachineArn: described.stateMachineArn,
  input: described.input,
  startDateIsDate: described.startDate instanceof Date,
  startDateMs: described.startDate?.getTime(),
};

const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: blockingArn, statusFilter: "RUNNING" }));
result.list = listed.executions.map((e) => ({
  name: e.name,
  status: e.status,
  executionArn: e.executionArn,
  startDateIsDate: e.startDate instanceof Date,
}));

const stopped = await client.send(new StopExecutionCommand({ executionArn: started.executionArn, error: "Fidelity", cause: "stopped" }));
const afterStop = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
result.stop = {
  stopDateIsDate: stopped.stopDate instanceof Date,
  status: afterStop.status,
  error: afterStop.error,
  stopDateIsDateOnDescribe: afterStop.stopDate instanceof Date,
};

const quick = await client.send(new StartExecutionCommand({ stateMachineArn: quickArn, input: JSON.stringify({ value: 42 }) }));
let final;
const deadline = Date.now() + 10_000;
do {
  final = await client.send(new DescribeExecutionCommand({ executionArn: quick.executionArn }));
  if (final.status !== "RUNNING") break;
  await new Promise((resolve) => setTimeout(resolve, 20));
} while (Date.now() < deadline);
result.quick = {
  generatedName: final.name,
  status: final.status,
  output: final.output,
  stopDateIsDate: final.stopDate instanceof Date,
};

process.stdout.write(JSON.stringify(result));
