using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// Proof under bad input: several hundred malformed requests (hand-picked nasties plus CsCheck
/// generated ones, seed printed) through the sandbox's real HTTP API. Every one must get a 4xx
/// with a code README documents (at README's status) naming the field at fault, and none may
/// leave a study record, an import copy, an import job or a workflow execution behind.
/// </summary>
[Collection(BadInputSandbox.Name)]
public sealed class BadInputSandboxTests
{
    private const int MinimumCases = 300;

    private readonly BadInputSandboxFixture _fixture;
    private readonly ITestOutputHelper _output;

    public BadInputSandboxTests(BadInputSandboxFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [SkippableFact]
    public async Task UploadApi_WhenSentTheMalformedCorpus_ShouldAnswerEveryCaseWithADocumented4xxAndChangeNothing()
    {
        // Arrange
        var documented = DocumentedErrors.Load();

        // Act
        var run = await _fixture.CorpusRunAsync();

        // Assert
        var failures = run.Answers.Select(a => Check(a, documented)).OfType<string>().ToList();
        Print(run, documented, failures);
        Assert.True(run.Answers.Count >= MinimumCases, $"The corpus has {run.Answers.Count} cases; at least {MinimumCases} are required.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {run.Answers.Count} cases answered wrongly (seed {run.Corpus.Seed}):\n{string.Join('\n', failures.Take(60))}");
        Assert.Equal(new SideEffects(0, 0, 0, 0, 0, 0, 0), run.SideEffects);
    }

    /// <summary>The one fault a case carries must be what the answer names, at README's status.</summary>
    private static string? Check(CaseAnswer answer, IReadOnlyDictionary<string, int> documented)
    {
        var expected = answer.Case;
        string Fail(string why) =>
            $"  {expected.Name}: {why} (expected {expected.ExpectedCode}/{expected.ExpectedField ?? "-"}, got {answer.Status} {answer.Code ?? "-"}/{answer.Field ?? "-"}) {Shorten(answer.Body)}";

        if (answer.Status >= 500)
        {
            return Fail("5xx");
        }

        if (answer.Status < 400)
        {
            return Fail("not a 4xx");
        }

        if (answer.Code is null)
        {
            return Fail("no error envelope");
        }

        if (!documented.TryGetValue(answer.Code, out var documentedStatus))
        {
            return Fail("code not in README's error table");
        }

        if (documentedStatus != answer.Status)
        {
            return Fail($"README documents {answer.Code} as {documentedStatus}");
        }

        if (answer.Code != expected.ExpectedCode)
        {
            return Fail("wrong code");
        }

        var requestLevel = DocumentedErrors.RequestLevelCodes.Contains(answer.Code);
        if (answer.Field is null && !requestLevel)
        {
            return Fail("names no field");
        }

        if (answer.Field is not null && requestLevel)
        {
            return Fail("a request-level code names a field");
        }

        if (answer.Field != expected.ExpectedField)
        {
            return Fail("wrong field");
        }

        if (expected.ForbiddenInAnswer.FirstOrDefault(v => answer.Body.Contains(v, StringComparison.Ordinal)) is { } repeated)
        {
            return Fail($"the answer repeats a DICOM value of the file ({repeated})");
        }

        return PhiNeedles.Corpus.FirstOrDefault(n => answer.Body.Contains(n, StringComparison.OrdinalIgnoreCase)) is { } leaked
            ? Fail($"the answer echoes patient data ({leaked})")
            : null;
    }

    private void Print(CorpusRun run, IReadOnlyDictionary<string, int> documented, List<string> failures)
    {
        var answers = run.Answers;
        var corpus = run.Corpus;
        var generated = answers.Count(a => a.Case.Category.StartsWith("gen-", StringComparison.Ordinal));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"bad-input corpus: seed {corpus.Seed} (set {BadInputCorpus.SeedVariable} to explore another)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  cases: {answers.Count} ({answers.Count - generated} hand-picked, {generated} generated); objects stored: {run.ObjectsStored}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  left out: {corpus.DiscardedMutations} generated mutations the reader reads as valid; {corpus.Tolerated.Count} hand-picked damages tolerated by design: {string.Join(", ", corpus.Tolerated)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  4xx: {answers.Count(a => a.Status is >= 400 and < 500)} of {answers.Count} ({100.0 * answers.Count(a => a.Status is >= 400 and < 500) / answers.Count:0.0} %); 5xx: {answers.Count(a => a.Status >= 500)}; other: {answers.Count(a => a.Status < 400)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  answered as expected (code, field, README status): {answers.Count - failures.Count}; wrong: {failures.Count}");
        var effects = run.SideEffects;
        text.AppendLine(CultureInfo.InvariantCulture, $"  side effects: study records {effects.StudyRecords}, copies under imports/ {effects.ImportCopies}, objects under import-output/ {effects.ImportOutputs}, import jobs {effects.ImportJobsCreated} (StartDICOMImportJob calls {effects.StartImportRequests}), StartExecution calls {effects.StartExecutionCalls}, executions {effects.Executions}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  time: build {run.BuildTime.TotalSeconds:0.0} s, put objects {run.StoreTime.TotalSeconds:0.0} s, send {run.SendTime.TotalSeconds:0.0} s");
        text.AppendLine();
        text.AppendLine("  status  code                         count  fields named");
        foreach (var group in answers.GroupBy(a => (a.Status, Code: a.Code ?? "(none)")).OrderBy(g => g.Key.Status).ThenBy(g => g.Key.Code, StringComparer.Ordinal))
        {
            var fields = string.Join(", ", group.GroupBy(a => a.Field ?? "-").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}×{g.Count()}"));
            text.AppendLine(CultureInfo.InvariantCulture, $"  {group.Key.Status,6}  {group.Key.Code,-28} {group.Count(),5}  {fields}");
        }

        var unused = documented.Keys.Where(code => documented[code] is >= 400 and < 500 && answers.All(a => a.Code != code)).Order(StringComparer.Ordinal);
        text.AppendLine(CultureInfo.InvariantCulture, $"  documented 4xx codes the corpus does not reach: {string.Join(", ", unused)} (idempotency_key_reused needs an accepted study: PatientDataInLogsTests sends it; 5 GiB objects and 10 GB studies are not made in s3rver)");
        text.AppendLine();
        text.AppendLine("  category                 count");
        foreach (var group in answers.GroupBy(a => a.Case.Category).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {group.Key,-24} {group.Count(),5}");
        }

        _output.WriteLine(text.ToString());
    }

    private static string Shorten(string body) => body.Length <= 240 ? body : body[..240] + "…";
}
