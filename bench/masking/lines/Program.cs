using System.Diagnostics;
using System.Text;
using Catalytic.Platform.Secrets;

// usage: LineBench LOG SECRETS ROUNDS — the log's lines through SecretMasker.Apply (what the runner does to each line
// of a step's output) against one pass of the same lines for a character that never occurs (the floor of reading
// them); prints the median CPU milliseconds of each and the ratio.
var lines = File.ReadAllText(args[0]).Split('\n');
var secrets = File.ReadAllText(args[1]).Split(',').Select(s => Encoding.UTF8.GetString(Convert.FromBase64String(s)));
var rounds = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
var masker = new SecretMasker(secrets);
var apply = new List<double>();
var scan = new List<double>();
long sink = 0;
for (var r = 0; r < rounds; r++)
{
    var t0 = Cpu();
    foreach (var line in lines)
    {
        sink += masker.Apply(line).Length;
    }

    var t1 = Cpu();
    foreach (var line in lines)
    {
        sink += line.AsSpan().IndexOf('\u0001');
    }

    var t2 = Cpu();
    apply.Add(t1 - t0);
    scan.Add(t2 - t1);
}

var a = Median(apply);
var s = Median(scan);
Console.WriteLine($"  runner    {lines.Length} lines, {masker.Count} forms: Apply {a:F0} ms CPU, one scan {s:F0} ms CPU, Apply/scan {a / Math.Max(s, 1):F1}x ({sink % 2})");

static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
