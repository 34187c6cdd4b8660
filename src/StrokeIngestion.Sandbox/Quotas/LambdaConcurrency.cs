using System.Globalization;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Quotas;

/// <summary>
/// Lambda's concurrency in one account and region: a function with reserved concurrency runs
/// at most that many invocations at once; every other function shares what the reservations
/// leave of the account's limit (1,000 by default; new accounts can have 10 or 50).
/// </summary>
internal sealed class LambdaConcurrency
{
    private readonly Dictionary<string, ConcurrencyLimit> _reserved = new(StringComparer.Ordinal);

    /// <summary>Throws <see cref="ArgumentException"/> when the reservations exceed the account's limit (CloudFormation would refuse them).</summary>
    public LambdaConcurrency(int accountLimit, IEnumerable<SynthesizedFunction> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        if (accountLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(accountLimit), accountLimit, "The account's concurrency limit must be at least 1.");
        }

        foreach (var function in functions)
        {
            if (function.ReservedConcurrentExecutions is { } reserved)
            {
                _reserved[function.Arn] = new ConcurrencyLimit(reserved);
            }
        }

        var reservedTotal = _reserved.Values.Sum(l => l.Limit);
        if (reservedTotal > accountLimit)
        {
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture,
                $"The template reserves {reservedTotal} concurrent executions, more than the account's limit of {accountLimit} (--account-concurrency)."));
        }

        AccountLimit = accountLimit;
        Unreserved = new ConcurrencyLimit(accountLimit - reservedTotal);
    }

    public int AccountLimit { get; }

    /// <summary>The pool functions without reserved concurrency share.</summary>
    public ConcurrencyLimit Unreserved { get; }

    /// <summary>The limit <paramref name="function"/>'s invocations enter.</summary>
    public ConcurrencyLimit For(SynthesizedFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return _reserved.GetValueOrDefault(function.Arn) ?? Unreserved;
    }
}
