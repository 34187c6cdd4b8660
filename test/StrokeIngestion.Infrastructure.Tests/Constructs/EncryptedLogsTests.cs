using StrokeIngestion.Infrastructure.Constructs;
using StrokeIngestion.Infrastructure.Tests.Support;
using static StrokeIngestion.Infrastructure.Tests.Support.J;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class EncryptedLogsTests(DefaultStackFixture stack, CustomizedStackFixture customized)
{
    private string KeyId => stack.LogicalId(stack.Stack.Logs.Key);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LogGroups_ShouldAllBeEncryptedWithTheStacksLogKey(bool customizedStack)
    {
        var fixture = customizedStack ? (StackFixture)customized : stack;
        var key = fixture.LogicalId(fixture.Stack.Logs.Key);

        var groups = fixture.OfType("AWS::Logs::LogGroup").ToList();

        Assert.Equal(5, groups.Count);
        Assert.All(groups, g => Assert.Equal(
            "{" + key + ".Arn}",
            fixture.Placeholders.Render(g.Resource["Properties"]?["KmsKeyId"])));
    }

    [Fact]
    public void Key_ShouldRotateAndOutliveTheStackLikeTheLogsItDecrypts()
    {
        var key = stack.Resources[KeyId];

        Assert.Equal("AWS::KMS::Key", key?["Type"]?.GetValue<string>());
        Assert.True(key?["Properties"]?["EnableKeyRotation"]?.GetValue<bool>());
        Assert.Equal("RetainExceptOnCreate", key?["DeletionPolicy"]?.GetValue<string>());
        Assert.All(stack.OfType("AWS::Logs::LogGroup"), g => Assert.Equal("RetainExceptOnCreate", g.Resource["DeletionPolicy"]?.GetValue<string>()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void KeyPolicy_ShouldLetCloudWatchLogsUseTheKeyForExactlyTheStacksLogGroups(bool customizedStack)
    {
        var fixture = customizedStack ? (StackFixture)customized : stack;
        var key = fixture.Resources[fixture.LogicalId(fixture.Stack.Logs.Key)];
        var statements = key?["Properties"]?["KeyPolicy"]?["Statement"]?.AsArray() ?? [];
        var names = fixture.OfType("AWS::Logs::LogGroup")
            .Select(g => g.Resource["Properties"]?["LogGroupName"]?.GetValue<string>())
            .Order(StringComparer.Ordinal);

        var logs = Assert.Single(statements, s => s?["Principal"]?["Service"] is not null)?.AsObject();

        Assert.NotNull(logs);
        Assert.Equal("logs.{AWS::Region}.amazonaws.com", fixture.Placeholders.Render(logs["Principal"]?["Service"]));
        Assert.Equal(EncryptedLogs.LogsKeyActions.Order(StringComparer.Ordinal), PolicyStatements.Strings(logs["Action"]).Order(StringComparer.Ordinal));
        var arns = PolicyStatements.Items(logs["Condition"]?["ArnEquals"]?["kms:EncryptionContext:aws:logs:arn"])
            .Select(fixture.Placeholders.Render)
            .ToList();
        Assert.All(arns, arn => Assert.StartsWith(
            "arn:{AWS::Partition}:logs:{AWS::Region}:{AWS::AccountId}:log-group:/",
            arn,
            StringComparison.Ordinal));
        Assert.Equal(names, arns.Select(arn => arn.Split(":log-group:")[1]).Order(StringComparer.Ordinal));
    }
}
