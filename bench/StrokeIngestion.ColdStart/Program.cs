using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json;

namespace StrokeIngestion.ColdStart;

/// <summary>
/// First response of a fresh process: loads a published function bundle the way the Lambda
/// managed runtime does (assembly, type and method from the handler string, the type's
/// parameterless constructor), invokes <c>Task&lt;Stream&gt; Method(Stream)</c> once with an
/// event file and prints one line of <c>key=value</c> timings.
/// </summary>
/// <remarks>
/// Run it as the managed runtime runs its bootstrap, under the bundle's own dependency and
/// runtime configuration files, so the function's assemblies resolve from the default
/// context: <c>dotnet exec --depsfile B/F.deps.json --runtimeconfig B/F.runtimeconfig.json
/// StrokeIngestion.ColdStart.dll B Handler event.json</c>. Started plainly it loads the bundle
/// into a load context of its own instead (reported as <c>load=isolated</c>).
/// </remarks>
internal static class Program
{
    /// <summary>Replaced by fresh digits per run, so a real upload is a new study each time rather than a duplicate.</summary>
    private const string KeyPlaceholder = "bench-00000000000000000000";

    private static async Task<int> Main(string[] args)
    {
        var mainNs = UnixNanoseconds();
        var clock = Stopwatch.StartNew();
        if (args.Length != 3)
        {
            await Console.Error.WriteLineAsync("usage: StrokeIngestion.ColdStart <bundle-folder> <Assembly::Namespace.Type::Method> <event.json>");
            return 2;
        }

        var (bundle, handler, eventFile) = (Path.GetFullPath(args[0]), args[1], args[2]);
        var parts = handler.Split("::");
        if (parts.Length != 3 || parts.Any(string.IsNullOrWhiteSpace))
        {
            await Console.Error.WriteLineAsync($"The handler '{handler}' is not Assembly::Namespace.Type::Method.");
            return 2;
        }

        var (assembly, loadMode) = LoadAssembly(bundle, parts[0]);
        var type = assembly.GetType(parts[1], throwOnError: true) ?? throw new TypeLoadException(parts[1]);
        var method = type.GetMethod(parts[2], BindingFlags.Public | BindingFlags.Instance, [typeof(Stream)])
            ?? throw new MissingMethodException(type.FullName, parts[2]);
        if (method.ReturnType != typeof(Task<Stream>))
        {
            throw new InvalidOperationException($"{handler} must return Task<Stream>.");
        }

        // The runtime's init phase: the function's parameterless constructor builds its clients.
        var function = Activator.CreateInstance(type) ?? throw new InvalidOperationException($"{type} could not be created.");
        var initMs = clock.Elapsed.TotalMilliseconds;
        var (initJitMethods, initJitMs) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime().TotalMilliseconds);

        var input = new MemoryStream(FreshKey(await File.ReadAllBytesAsync(eventFile)), writable: false);
        var invocation = (Task<Stream>?)method.Invoke(function, [input]) ?? throw new InvalidOperationException("The handler returned null.");
        await using var output = await invocation;
        var responseNs = UnixNanoseconds();
        var totalMs = clock.Elapsed.TotalMilliseconds;
        var (jitMethods, jitMs) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime().TotalMilliseconds);

        var status = StatusCode(output);

        // A second invocation in the same process, as a warm container serves it: what the
        // request costs once nothing is left to load or compile (for a real upload, mostly the
        // remote calls). first response - this = the cold overhead.
        var warmClock = Stopwatch.StartNew();
        var warmInput = new MemoryStream(FreshKey(await File.ReadAllBytesAsync(eventFile)), writable: false);
        var warmInvocation = (Task<Stream>?)method.Invoke(function, [warmInput]) ?? throw new InvalidOperationException("The handler returned null.");
        await using var warmOutput = await warmInvocation;
        var warmMs = warmClock.Elapsed.TotalMilliseconds;
        var warmStatus = StatusCode(warmOutput);
        var launchNs = long.TryParse(Environment.GetEnvironmentVariable("COLDSTART_LAUNCH_NS"), NumberStyles.None, CultureInfo.InvariantCulture, out var launch)
            ? launch
            : (long?)null;

        // Linux reports process start in clock ticks (10 ms): a cross-check, not the measure.
        var startNs = (Process.GetCurrentProcess().StartTime.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) * 100;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"first_response_ms={Ms(responseNs - (launchNs ?? startNs)):0.0} launch_to_main_ms={Ms(mainNs - (launchNs ?? startNs)):0.0} init_ms={initMs:0.0} invoke_ms={totalMs - initMs:0.0} process_start_to_response_ms={Ms(responseNs - startNs):0} jit_methods_init={initJitMethods} jit_ms_init={initJitMs:0.0} jit_methods={jitMethods} jit_ms={jitMs:0.0} status={status} warm_invoke_ms={warmMs:0.0} warm_status={warmStatus} load={loadMode} clock={(launchNs is null ? "process_start" : "launcher")}"));
        return status is >= 200 and < 600 && warmStatus == status ? 0 : 1;
    }

    /// <summary>
    /// The default context first, as the managed runtime does; that works when the process
    /// was started with the bundle's deps.json. Otherwise an isolated context that resolves
    /// the bundle's dependencies from its deps.json.
    /// </summary>
    private static (Assembly Assembly, string Mode) LoadAssembly(string bundle, string assemblyName)
    {
        try
        {
            return (AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(assemblyName)), "default");
        }
        catch (FileNotFoundException)
        {
            var context = new BundleLoadContext(Path.Combine(bundle, assemblyName + ".dll"));
            return (context.LoadFromAssemblyName(new AssemblyName(assemblyName)), "isolated");
        }
    }

    private static byte[] FreshKey(byte[] eventJson)
    {
        var placeholder = Encoding.UTF8.GetBytes(KeyPlaceholder);
        var at = eventJson.AsSpan().IndexOf(placeholder);
        if (at >= 0)
        {
            var digits = Encoding.UTF8.GetBytes(UnixNanoseconds().ToString("D20", CultureInfo.InvariantCulture));
            digits.CopyTo(eventJson.AsSpan(at + KeyPlaceholder.Length - digits.Length));
        }

        return eventJson;
    }

    private static int StatusCode(Stream response)
    {
        using var document = JsonDocument.Parse(response);
        return document.RootElement.TryGetProperty("statusCode", out var status) && status.TryGetInt32(out var code) ? code : -1;
    }

    private static long UnixNanoseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    private static double Ms(long nanoseconds) => nanoseconds / 1e6;

    /// <summary>Resolves the bundle's assemblies from its deps.json; framework assemblies come from the default context.</summary>
    private sealed class BundleLoadContext(string mainAssemblyPath) : AssemblyLoadContext("bundle")
    {
        private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}
