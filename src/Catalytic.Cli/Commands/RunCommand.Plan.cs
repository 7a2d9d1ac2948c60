using Catalytic.Workflows.Expressions;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Planning;
using Catalytic.Workflows.Reusable;
using Catalytic.Workflows.Validation;

namespace Catalytic.Cli.Commands;

internal sealed partial class RunCommand
{
    /// <summary>
    /// Prints the <see cref="WorkflowPlan"/>s (`--list`): each workflow, triggered or not (and why), its jobs in dependency
    /// order with needs and conditions, each matrix expanded — or, when built from run-time values, what it will be
    /// expanded from — and plan errors (a matrix over 256 combinations…). Returns false when a plan has errors.
    /// </summary>
    private static bool PrintPlan(TextWriter output, IReadOnlyList<WorkflowPlan> plans, IReadOnlyList<string> jobFilter, CalledWorkflows calls)
    {
        var valid = true;
        foreach (var plan in plans)
        {
            // A workflow the event does not trigger is planned too (what another event would run); only the plans that
            // would run decide the exit code.
            var workflow = plan.Workflow;
            output.WriteLine($"{workflow.File}: {workflow.Name} — {(plan.Triggered ? "triggered" : "not triggered")}: {plan.Trigger.Reason}");
            foreach (var d in plan.Diagnostics)
            {
                output.WriteLine("  " + d);
                valid &= !plan.Triggered || d.Severity != DiagnosticSeverity.Error;
            }

            var shown = jobFilter.Count == 0 ? null : NeededBy(workflow, jobFilter);
            foreach (var job in plan.Jobs.Where(j => shown is null || jobFilter.Contains(j.Id) || shown.Contains(j.Id)))
            {
                PrintJob(output, job, calls);
            }
        }

        return valid;
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

    private static void PrintJob(TextWriter output, PlannedJob planned, CalledWorkflows calls)
    {
        var job = planned.Job;
        var needs = job.Needs.Length == 0 ? "" : $"  needs: {string.Join(", ", job.Needs)}";
        var condition = job.If is null ? "" : $"  if: {job.If.Value.Trim()}";
        output.WriteLine($"  {job.Id}{needs}{condition}");
        if (job.Concurrency is { } concurrency)
        {
            output.WriteLine($"    concurrency: {concurrency.Group.Value}{(concurrency.CancelInProgress is { } c ? $" (cancel-in-progress: {c.Value})" : "")}");
        }

        if (job.Uses is not null)
        {
            output.WriteLine($"    uses: {job.Uses}");
            PrintCalledJobs(output, job, calls, job.Id + " / ", "    ", 1);
            return;
        }

        if (planned.MatrixIsDynamic)
        {
            output.WriteLine($"    matrix: expanded at run time from {planned.RuntimeMatrix ?? "run-time values"}");
        }
        else if (job.Strategy?.Matrix is not null || planned.Instances.Length > 1)
        {
            output.WriteLine($"    matrix: {planned.Instances.Length} combination{(planned.Instances.Length == 1 ? "" : "s")}");
            foreach (var instance in planned.Instances)
            {
                output.WriteLine($"      {instance.DisplayName}  {Describe(instance.Matrix)}");
            }
        }
        else if (planned.Instances.Length == 1 && job.Name is not null)
        {
            output.WriteLine($"    name: {planned.Instances[0].DisplayName}");
        }

        foreach (var step in job.Steps)
        {
            var what = step.Uses ?? step.Run?.Value.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
            output.WriteLine($"    - {step.Name?.Value ?? what}");
        }
    }

    private static string Describe(ExpressionObject matrix) =>
        string.Join(", ", matrix.Select(kv => $"{kv.Key}={(kv.Value.Kind is ExpressionValueKind.Object or ExpressionValueKind.Array ? kv.Value.ToJsonNode()!.ToJsonString() : kv.Value.ToString())}"));

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
