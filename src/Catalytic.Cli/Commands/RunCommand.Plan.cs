using System.Text.Json.Nodes;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Scheduling;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Reusable;

namespace Catalytic.Cli.Commands;

internal sealed partial class RunCommand
{
    /// <summary>Prints the plan: triggered workflows (and why the others are not), jobs, needs, matrix combinations.</summary>
    private static void PrintPlan(TextWriter output, IReadOnlyList<PlannedWorkflow> plan, IReadOnlyList<string> jobFilter, CalledWorkflows calls)
    {
        var engine = new WorkflowExpressionEngine();
        foreach (var p in plan)
        {
            if (!p.Triggered)
            {
                output.WriteLine($"{p.Workflow.File}: not triggered — {p.NotTriggeredReason}");
                continue;
            }

            output.WriteLine($"{p.Workflow.File}: {p.Workflow.Name}");
            foreach (var job in p.Workflow.Jobs.Where(j => jobFilter.Count == 0 || jobFilter.Contains(j.Id) || NeededBy(p.Workflow, jobFilter).Contains(j.Id)))
            {
                var needs = job.Needs.Length == 0 ? "" : $"  needs: {string.Join(", ", job.Needs)}";
                var cond = job.If is null ? "" : $"  if: {job.If.Value}";
                output.WriteLine($"  {job.Id}{needs}{cond}");
                if (job.Uses is not null)
                {
                    output.WriteLine($"    uses: {job.Uses}");
                    PrintCalledJobs(output, job, calls, job.Id + " / ", "    ", 1);
                    continue;
                }

                if (job.Strategy?.Matrix is { } matrix)
                {
                    output.WriteLine("    matrix: " + DescribeMatrix(engine, matrix));
                }

                foreach (var step in job.Steps)
                {
                    var what = step.Uses ?? step.Run?.Value.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
                    output.WriteLine($"    - {(step.Name?.Value ?? what)}");
                }
            }
        }
    }

    /// <summary>The jobs a call runs, named as the run shows them (<c>caller / job</c>), nested calls included.</summary>
    private static void PrintCalledJobs(TextWriter output, Job caller, CalledWorkflows calls, string prefix, string indent, int level)
    {
        if (calls.Find(caller.Uses!) is not { } callee || level >= WorkflowCallResolver.MaxLevels)
        {
            output.WriteLine($"{indent}(not run: {(WorkflowCallResolver.IsRemote(caller.Uses!) ? "remote reusable workflow" : "not a valid local reusable workflow")})");
            return;
        }

        foreach (var job in callee.Jobs)
        {
            var needs = job.Needs.Length == 0 ? "" : $"  needs: {string.Join(", ", job.Needs)}";
            output.WriteLine($"{indent}{prefix}{job.Id}{needs}");
            if (job.Uses is not null)
            {
                output.WriteLine($"{indent}  uses: {job.Uses}");
                PrintCalledJobs(output, job, calls, prefix + job.Id + " / ", indent + "  ", level + 1);
            }
            else if (job.Strategy?.Matrix is not null)
            {
                output.WriteLine($"{indent}  matrix: {(job.Strategy.Matrix is TemplateScalar ? "expanded at run time" : "per the called workflow's strategy")}");
            }
        }
    }

    private static string DescribeMatrix(WorkflowExpressionEngine engine, TemplateNode matrix)
    {
        try
        {
            // Only github/vars/inputs are known before the run; a matrix built from needs outputs is expanded then.
            var scope = new ExpressionScope(
                new Dictionary<string, JsonNode?> { ["github"] = new JsonObject(), ["vars"] = new JsonObject(), ["inputs"] = new JsonObject() },
                new JobStatusView(true, false, false),
                Directory.GetCurrentDirectory());
            var (combos, error) = MatrixExpansion.Expand(engine.Evaluate(matrix, scope));
            return error is not null ? error
                : $"{combos.Count} combination(s): " + string.Join("; ", combos.Select(c => string.Join(", ", c.Select(kv => $"{kv.Key}={JobExecutorStrings.Stringify(kv.Value)}"))));
        }
        catch (ExpressionEvaluationException)
        {
            return "expanded at run time (depends on needs outputs)";
        }
    }

    private static HashSet<string> NeededBy(Workflow workflow, IReadOnlyList<string> ids)
    {
        var jobs = workflow.Jobs.ToDictionary(j => j.Id, StringComparer.Ordinal);
        var result = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(ids.Where(jobs.ContainsKey));
        while (stack.Count > 0)
        {
            foreach (var n in jobs[stack.Pop()].Needs.Where(jobs.ContainsKey))
            {
                if (result.Add(n))
                {
                    stack.Push(n);
                }
            }
        }

        return result;
    }
}
