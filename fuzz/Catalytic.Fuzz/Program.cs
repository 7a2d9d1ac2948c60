using Catalytic.Fuzz;

// catalytic-fuzz afl TARGET          run TARGET under afl-fuzz (bench/fuzz/run.sh starts it; SharpFuzz speaks AFL's protocol)
// catalytic-fuzz replay TARGET PATH… run every file (or every file of every folder) through TARGET; exit 1 on a crash
// catalytic-fuzz list                the targets
if (args is ["list"])
{
    foreach (var name in FuzzTargets.Names)
    {
        Console.WriteLine(name);
    }

    return 0;
}

if (args.Length < 2 || !FuzzTargets.Exists(args[1]))
{
    Console.Error.WriteLine("usage: catalytic-fuzz afl TARGET | replay TARGET PATH... | list");
    return 2;
}

if (args[0] == "afl")
{
    IFuzzTarget? fuzzed = null;
    SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
    {
        var target = fuzzed ??= FuzzTargets.Create(args[1])!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    });
    return 0;
}

if (args[0] == "replay")
{
    var target = FuzzTargets.Create(args[1])!;
    var known = KnownCrashes.Load(Environment.GetEnvironmentVariable("FUZZ_KNOWN"));
    var failures = 0;
    var knownFailures = 0;
    var files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal).ToList();
    foreach (var file in files)
    {
        try
        {
            target.Run(File.ReadAllBytes(file));
        }
        catch (Exception e) when (known.Match(target.Name, e) is { } why)
        {
            knownFailures++;
            Console.Error.WriteLine($"{target.Name}: {file}: known: {e.GetType().Name}: {e.Message} ({why})");
        }
        catch (Exception e)
        {
            failures++;
            Console.Error.WriteLine($"{target.Name}: {file}: {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("FUZZ_STACKS") == "1")
            {
                Console.Error.WriteLine(e.StackTrace);
            }
        }
    }

    Console.WriteLine($"{target.Name}: {files.Count} inputs, {failures + knownFailures} crashes ({knownFailures} known)");
    return failures == 0 ? 0 : 1;
}

Console.Error.WriteLine($"unknown command {args[0]}");
return 2;
