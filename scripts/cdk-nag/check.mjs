#!/usr/bin/env node
// Runs cdk-nag's AwsSolutions and HIPAA.Security packs over a template the C# app synthesized.
//
//   node scripts/cdk-nag/check.mjs <template.json> [--json <findings.json>] [--reports <dir>]
//
// cdk-nag is a Node library that inspects a construct tree, so the template is read back into
// one with CfnInclude (LegacyStackSynthesizer: the default synthesizer would add a second
// BootstrapVersion parameter beside the one the template already has). Suppressions are the
// C# app's: resource Metadata `cdk_nag: { rules_to_suppress: [{ id, reason, applies_to? }] }`,
// which cdk-nag 2.x reads from each included resource.
//
// Prints every unsuppressed finding, every suppression that matched nothing (stale ones hide
// future findings), and a summary line; exits 1 when there are errors, 2 when it cannot run.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import cdk from 'aws-cdk-lib';
import include from 'aws-cdk-lib/cloudformation-include';
import nag from 'cdk-nag';

const { App, Aspects, LegacyStackSynthesizer, Stack } = cdk;
const { CfnInclude } = include;
const { AwsSolutionsChecks, HIPAASecurityChecks, NagMessageLevel } = nag;

// Exit code 1 means "findings"; anything that stops the check itself must not look like that.
process.on('uncaughtException', (error) => {
  console.error(`cdk-nag check could not run: ${error.stack ?? error}`);
  process.exit(2);
});

function usage(message) {
  console.error(`${message}\nusage: node scripts/cdk-nag/check.mjs <template.json> [--json <findings.json>] [--reports <dir>]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let templatePath;
let jsonPath;
let reportsDir;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') {
    jsonPath = args[++i] ?? usage('--json needs a file name');
  } else if (args[i] === '--reports') {
    // cdk-nag's own CSV compliance reports (one per pack), e.g. to keep as a CI artifact.
    reportsDir = resolve(args[++i] ?? usage('--reports needs a directory'));
  } else if (templatePath === undefined) {
    templatePath = resolve(args[i]);
  } else {
    usage(`unexpected argument '${args[i]}'`);
  }
}
if (templatePath === undefined) {
  usage('no template given');
}

const template = JSON.parse(readFileSync(templatePath, 'utf8'));
const resources = template.Resources ?? {};

/** Collects what the packs report, instead of scraping annotations or the CSV reports. */
class Collector {
  constructor() {
    this.findings = [];
    this.suppressed = [];
  }

  static logicalId(resource) {
    return Stack.of(resource).resolve(resource.logicalId);
  }

  onCompliance() {}

  onNotApplicable() {}

  onNonCompliance(data) {
    this.findings.push({
      level: data.ruleLevel === NagMessageLevel.ERROR ? 'error' : data.ruleLevel === NagMessageLevel.WARN ? 'warning' : 'info',
      rule: data.ruleId,
      finding: data.findingId || undefined,
      resource: Collector.logicalId(data.resource),
      message: data.ruleInfo,
    });
  }

  onSuppressed(data) {
    this.suppressed.push({
      rule: data.ruleId,
      finding: data.findingId || undefined,
      resource: Collector.logicalId(data.resource),
      reason: data.suppressionReason,
    });
  }

  // A rule that threw (typically on an intrinsic it cannot evaluate) proves nothing: cdk-nag
  // reports it as a CdkNagValidationFailure warning, and so do we, naming the rule.
  onError(data) {
    this.findings.push({
      level: 'warning',
      rule: 'CdkNagValidationFailure',
      finding: data.ruleId,
      resource: Collector.logicalId(data.resource),
      message: `rule could not be evaluated: ${data.errorMessage}`,
    });
  }

  onSuppressedError(data) {
    this.suppressed.push({
      rule: 'CdkNagValidationFailure',
      finding: data.ruleId,
      resource: Collector.logicalId(data.resource),
      reason: data.errorSuppressionReason,
    });
  }
}

const outdir = reportsDir ?? mkdtempSync(join(tmpdir(), 'cdk-nag-'));
const collector = new Collector();
try {
  const app = new App({ outdir });
  // Named after the template (cdk.out's <stack>.template.json), which names the CSV reports.
  const name = basename(templatePath).replace(/\.template\.json$|\.json$/, '');
  const stack = new Stack(app, /^[A-Za-z][A-Za-z0-9-]*$/.test(name) ? name : 'Checked', {
    synthesizer: new LegacyStackSynthesizer(),
  });
  new CfnInclude(stack, 'Template', { templateFile: templatePath });
  const props = { reports: true, verbose: true, additionalLoggers: [collector] };
  Aspects.of(app).add(new AwsSolutionsChecks(props));
  Aspects.of(app).add(new HIPAASecurityChecks(props));
  app.synth();
} finally {
  if (reportsDir === undefined) {
    rmSync(outdir, { recursive: true, force: true });
  }
}

// Every suppression written in the template, and whether a finding used it.
const declared = Object.entries(resources).flatMap(([logicalId, resource]) =>
  (resource.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((s) => ({
    resource: logicalId,
    rule: s.id,
    appliesTo: s.applies_to,
    reason: s.is_reason_encoded ? Buffer.from(s.reason, 'base64').toString() : s.reason,
  })));
// appliesTo entries are finding ids, or { regex: '/pattern/flags' } (cdk-nag's two forms).
const covers = (appliesTo, finding) =>
  typeof appliesTo === 'string'
    ? appliesTo === finding
    : new RegExp(...appliesTo.regex.match(/^\/(.*)\/([a-z]*)$/).slice(1)).test(finding ?? '');
const used = (s) =>
  collector.suppressed.some((hit) =>
    hit.resource === s.resource &&
    hit.rule === s.rule &&
    (s.appliesTo === undefined || s.appliesTo.some((a) => covers(a, hit.finding))));
const unused = declared.filter((s) => !used(s));

const byLevel = (level) => collector.findings.filter((f) => f.level === level);
const errors = byLevel('error');
const warnings = byLevel('warning');
const order = (a, b) => a.rule.localeCompare(b.rule) || a.resource.localeCompare(b.resource) || (a.finding ?? '').localeCompare(b.finding ?? '');

for (const f of [...errors.sort(order), ...warnings.sort(order)]) {
  const rule = f.finding ? `${f.rule}[${f.finding}]` : f.rule;
  console.log(`${f.level.toUpperCase()} ${rule} ${f.resource}: ${f.message}`);
}
for (const s of unused) {
  const target = s.appliesTo ? `${s.rule}[${s.appliesTo.map((a) => (typeof a === 'string' ? a : a.regex)).join(', ')}]` : s.rule;
  console.log(`UNUSED suppression ${target} on ${s.resource}: it matched no finding; remove it`);
}

if (jsonPath) {
  writeFileSync(jsonPath, JSON.stringify({
    errors,
    warnings,
    suppressed: collector.suppressed.sort(order),
    declaredSuppressions: declared,
    unusedSuppressions: unused,
  }, null, 2));
}

console.log(`cdk-nag: ${errors.length} errors, ${warnings.length} warnings, ${collector.suppressed.length} suppressed, ${unused.length} unused suppressions`);
process.exit(errors.length > 0 ? 1 : 0);
