// The jsii runtime behind Amazon.CDK talks to one Node process over stdin/stdout; tests that
// synthesize in parallel corrupt that channel (see toolchain-notes.md).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
