using System.Text.Json;
using Catalytic.Runner.Actions.BuiltIn;
using Catalytic.Runner.Tests.Execution;

namespace Catalytic.Runner.Tests.Reporting;

public sealed class RunReportArtifactsTests : IDisposable
{
    private readonly TempRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task RunAsync_jobs_upload_artifacts_report_lists_each_with_size_files_and_path()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: mkdir -p out-a && printf 'hello' > out-a/one.txt && printf 'abc' > out-a/two.txt
                  - uses: actions/upload-artifact@v4
                    with:
                      name: first
                      path: out-a/
              b:
                needs: a
                runs-on: ubuntu-latest
                steps:
                  - run: mkdir -p out-b && printf '1234567' > out-b/x.bin
                  - uses: actions/upload-artifact@v4
                    with:
                      name: second
                      path: out-b/x.bin
            """, o => o with { Actions = BuiltinActions.CreateDefault() }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("success", r.Report.Result);
        Assert.Collection(
            r.Report.Artifacts,
            a =>
            {
                Assert.Equal("first", a.Name);
                Assert.Equal(2, a.FileCount);
                Assert.Equal(8, a.SizeBytes);
                Assert.Equal("hello", File.ReadAllText(Path.Combine(a.Path, "one.txt")));
            },
            a =>
            {
                Assert.Equal("second", a.Name);
                Assert.Equal(1, a.FileCount);
                Assert.Equal(7, a.SizeBytes);
                Assert.True(File.Exists(Path.Combine(a.Path, "x.bin")));
            });

        // The JSON report (--json and report.json) carries the same list.
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(r.Report.RunDirectory, "report.json")));
        var names = doc.RootElement.GetProperty("artifacts").EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToArray();
        Assert.Equal(["first", "second"], names);
        Assert.Equal(8, doc.RootElement.GetProperty("artifacts")[0].GetProperty("sizeBytes").GetInt64());
    }

    [Fact]
    public async Task RunAsync_no_upload_report_has_empty_artifact_list()
    {
        var r = await _repo.RunAsync("""
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: echo nothing to keep
            """, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Empty(r.Report.Artifacts);
    }
}
