using System.Globalization;

// Prints how long after launch Main ran. COLDSTART_LAUNCH_NS is the launcher's wall clock
// (Unix epoch, nanoseconds) taken just before it started this process.
var nowNs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
var elapsedMs = long.TryParse(Environment.GetEnvironmentVariable("COLDSTART_LAUNCH_NS"), NumberStyles.None, CultureInfo.InvariantCulture, out var launchNs)
    ? (nowNs - launchNs) / 1e6
    : double.NaN;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"hello world launch_to_main_ms={elapsedMs:0.0}"));
