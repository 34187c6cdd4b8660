// Drives the HealthImaging emulator with the official AWS SDK for JavaScript v3 client and
// prints one JSON object describing what the client parsed. The C# test asserts on it.
//
//   node official-client.mjs <endpoint> scenario <datastoreId> <bucket>
//   node official-client.mjs <endpoint> get <datastoreId> <jobId>
//   node official-client.mjs <endpoint> throttled <datastoreId> <bucket>
//
// Packages resolve from the working directory (the repository root), wherever this file is copied.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
const sdk = require('@aws-sdk/client-medical-imaging');
const {
  MedicalImagingClient,
  StartDICOMImportJobCommand,
  GetDICOMImportJobCommand,
  ListDICOMImportJobsCommand,
  paginateListDICOMImportJobs,
  ResourceNotFoundException,
  ValidationException,
  ConflictException,
  ThrottlingException,
} = sdk;

const [endpoint, mode, datastoreId, arg] = process.argv.slice(2);
const roleArn = 'arn:aws:iam::123456789012:role/stroke-detection-ai-import';

function client(maxAttempts) {
  return new MedicalImagingClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    maxAttempts,
  });
}

function startInput(bucket, clientToken, study, extra = {}) {
  return {
    datastoreId,
    jobName: `stroke-${study}`,
    clientToken,
    dataAccessRoleArn: roleArn,
    inputS3Uri: `s3://${bucket}/imports/${study}/`,
    outputS3Uri: `s3://${bucket}/import-output/${study}/`,
    ...extra,
  };
}

function date(value) {
  return { isDate: value instanceof Date, iso: value instanceof Date ? value.toISOString() : null };
}

function describeError(err, type) {
  return {
    name: err.name,
    isInstance: type ? err instanceof type : null,
    fault: err.$fault,
    httpStatusCode: err.$metadata?.httpStatusCode,
    attempts: err.$metadata?.attempts,
    requestId: err.$metadata?.requestId ?? null,
    message: err.message,
  };
}

async function expectError(send, type) {
  try {
    await send();
    return { name: null };
  } catch (err) {
    return describeError(err, type);
  }
}

function properties(p) {
  return {
    jobId: p.jobId,
    jobName: p.jobName,
    jobStatus: p.jobStatus,
    datastoreId: p.datastoreId,
    dataAccessRoleArn: p.dataAccessRoleArn,
    inputS3Uri: p.inputS3Uri,
    outputS3Uri: p.outputS3Uri,
    submittedAt: date(p.submittedAt),
    endedAt: p.endedAt === undefined ? null : date(p.endedAt),
    message: p.message ?? null,
  };
}

async function scenario(bucket) {
  const mi = client(1);
  const start = await mi.send(new StartDICOMImportJobCommand(startInput(bucket, 'js-token-1', 'STUDY-js0000000001')));
  const replay = await mi.send(new StartDICOMImportJobCommand(startInput(bucket, 'js-token-1', 'STUDY-js0000000001')));
  const generatedToken = await mi.send(new StartDICOMImportJobCommand(
    startInput(bucket, undefined, 'STUDY-js0000000002', { inputOwnerAccountId: '123456789012' })));
  const get = await mi.send(new GetDICOMImportJobCommand({ datastoreId, jobId: start.jobId }));
  const list = await mi.send(new ListDICOMImportJobsCommand({ datastoreId, maxResults: 50 }));

  const paged = [];
  let pages = 0;
  for await (const page of paginateListDICOMImportJobs({ client: mi, pageSize: 1 }, { datastoreId })) {
    pages += 1;
    paged.push(...page.jobSummaries.map((s) => s.jobId));
  }

  const notFound = await expectError(
    () => mi.send(new GetDICOMImportJobCommand({ datastoreId: 'ffffffffffffffffffffffffffffffff', jobId: start.jobId })),
    ResourceNotFoundException);
  const invalid = await expectError(
    () => mi.send(new StartDICOMImportJobCommand(startInput(bucket, 'js-token-3', 'STUDY-js0000000003', { jobName: 'not a valid name' }))),
    ValidationException);
  const conflict = await expectError(
    () => mi.send(new StartDICOMImportJobCommand(startInput(bucket, 'js-token-1', 'STUDY-js0000000009'))),
    ConflictException);

  return {
    start: {
      datastoreId: start.datastoreId,
      jobId: start.jobId,
      jobStatus: start.jobStatus,
      submittedAt: date(start.submittedAt),
      httpStatusCode: start.$metadata.httpStatusCode,
      requestId: start.$metadata.requestId ?? null,
    },
    replayJobId: replay.jobId,
    generatedTokenJobId: generatedToken.jobId,
    get: properties(get.jobProperties),
    list: {
      jobIds: list.jobSummaries.map((s) => s.jobId),
      first: {
        jobName: list.jobSummaries[0]?.jobName,
        jobStatus: list.jobSummaries[0]?.jobStatus,
        datastoreId: list.jobSummaries[0]?.datastoreId,
        dataAccessRoleArn: list.jobSummaries[0]?.dataAccessRoleArn,
        submittedAt: date(list.jobSummaries[0]?.submittedAt),
      },
      nextToken: list.nextToken ?? null,
    },
    paged: { pages, jobIds: paged },
    notFound,
    invalid,
    conflict,
  };
}

async function get(jobId) {
  const result = await client(1).send(new GetDICOMImportJobCommand({ datastoreId, jobId }));
  return properties(result.jobProperties);
}

async function throttled(bucket) {
  const input = startInput(bucket, 'js-throttled', 'STUDY-js0000000004');
  return {
    single: await expectError(() => client(1).send(new StartDICOMImportJobCommand(input)), ThrottlingException),
    retried: await expectError(() => client(2).send(new StartDICOMImportJobCommand(input)), ThrottlingException),
  };
}

const modes = { scenario: () => scenario(arg), get: () => get(arg), throttled: () => throttled(arg) };
if (!modes[mode]) {
  console.error(`unknown mode '${mode}'`);
  process.exit(2);
}

try {
  console.log(JSON.stringify(await modes[mode]()));
} catch (err) {
  console.error(JSON.stringify(describeError(err)));
  process.exit(1);
}
