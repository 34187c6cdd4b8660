using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

internal static class ConstructExtensions
{
    /// <summary>The L1 resource behind an L2 construct, for the properties the L2 does not expose.</summary>
    public static T DefaultChildAs<T>(this IConstruct construct)
        where T : class =>
        construct.Node.DefaultChild as T
        ?? throw new InvalidOperationException($"{construct.Node.Path} has no default child of type {typeof(T).Name}.");

    /// <summary>Adds <paramref name="more"/> to <paramref name="variables"/> (a key already there is an error, not an overwrite).</summary>
    public static Dictionary<string, string> With(this Dictionary<string, string> variables, IReadOnlyDictionary<string, string> more)
    {
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(more);
        foreach (var (name, value) in more)
        {
            variables.Add(name, value);
        }

        return variables;
    }
}
