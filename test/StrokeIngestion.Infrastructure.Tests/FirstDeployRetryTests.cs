using StrokeIngestion.Infrastructure.Tests.Support;

namespace StrokeIngestion.Infrastructure.Tests;

/// <summary>
/// A first deploy that fails rolls back; CloudFormation then deletes what it created unless a
/// resource says Retain. Buckets, table, log groups, vault and datastore have fixed names, so
/// anything left behind makes the retry fail with "already exists".
/// </summary>
[Collection(SynthesizedStacks.Name)]
public sealed class FirstDeployRetryTests(DefaultStackFixture stack, CustomizedStackFixture customized, IsolatedStackFixture isolated)
{
    [Theory]
    [InlineData("default")]
    [InlineData("customized")]
    [InlineData("vpc=create auditTrail=true")]
    public void Template_WhenTheFirstDeployRollsBack_ShouldLeaveNoResourceBehind(string configuration)
    {
        StackFixture template = configuration switch
        {
            "default" => stack,
            "customized" => customized,
            _ => isolated,
        };

        var retainedOnRollback = template.Resources
            .Where(pair => pair.Value?["DeletionPolicy"]?.GetValue<string>() == "Retain")
            .Select(pair => pair.Key)
            .ToList();

        Assert.True(retainedOnRollback.Count == 0, "DeletionPolicy Retain keeps these even when the deploy that created them rolls back: " + string.Join(", ", retainedOnRollback));
    }

    [Theory]
    [InlineData("AWS::S3::Bucket", 2)]
    [InlineData("AWS::DynamoDB::Table", 1)]
    [InlineData("AWS::HealthImaging::Datastore", 1)]
    [InlineData("AWS::Backup::BackupVault", 1)]
    [InlineData("AWS::Logs::LogGroup", 4)]
    public void StatefulResources_ShouldSurviveStackDeletionAndReplacementButNotTheRollbackOfTheirCreation(string type, int atLeast)
    {
        var resources = stack.OfType(type).ToList();

        Assert.True(resources.Count >= atLeast, $"Expected at least {atLeast} {type}, found {resources.Count}.");
        Assert.All(resources, r =>
        {
            Assert.Equal("RetainExceptOnCreate", r.Resource["DeletionPolicy"]?.GetValue<string>());
            Assert.Equal("Retain", r.Resource["UpdateReplacePolicy"]?.GetValue<string>());
        });
    }

    [Fact]
    public void Table_ShouldNotBlockTheRollbackOfItsOwnCreationWithDeletionProtection()
    {
        // CloudFormation cannot delete a protected table: the rollback would fail and leave it.
        var (_, table) = stack.Single("AWS::DynamoDB::Table");

        Assert.NotEqual(true, table["Properties"]?["DeletionProtectionEnabled"]?.GetValue<bool>());
    }
}
