using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

internal static class ConstructExtensions
{
    /// <summary>The L1 resource behind an L2 construct, for the properties the L2 does not expose.</summary>
    public static T DefaultChildAs<T>(this IConstruct construct)
        where T : class =>
        construct.Node.DefaultChild as T
        ?? throw new InvalidOperationException($"{construct.Node.Path} has no default child of type {typeof(T).Name}.");
}
