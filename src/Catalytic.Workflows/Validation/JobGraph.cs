using System.Collections.Immutable;
using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Validation;

/// <summary>Checks the `needs` graph of a workflow: unknown jobs, a job needing itself, and cycles.</summary>
public static class JobGraph
{
    /// <summary>Adds a diagnostic for every unknown need and every cycle (naming each job in it).</summary>
    public static void Check(ImmutableArray<Job> jobs, ICollection<Diagnostic> diagnostics)
    {
        var byId = new Dictionary<string, Job>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            byId.TryAdd(job.Id, job);
        }

        foreach (var job in jobs)
        {
            foreach (var need in job.Needs)
            {
                if (need == job.Id)
                {
                    diagnostics.Add(new Diagnostic(job.Span, $"job '{job.Id}' needs itself"));
                }
                else if (!byId.ContainsKey(need))
                {
                    diagnostics.Add(new Diagnostic(job.Span,
                        $"job '{job.Id}' needs '{need}', which is not a job of this workflow{Suggestions.DidYouMean(need, byId.Keys)}"));
                }
            }
        }

        foreach (var cycle in FindCycles(jobs, byId))
        {
            var first = byId[cycle[0]];
            diagnostics.Add(new Diagnostic(first.Span, $"jobs {string.Join(" → ", cycle.Append(cycle[0]))} form a cycle in 'needs'"));
        }
    }

    /// <summary>Jobs in an order where each comes after every job it needs; null when the graph has a cycle.</summary>
    public static ImmutableArray<string>? TopologicalOrder(IEnumerable<Job> jobs)
    {
        var list = jobs.ToList();
        var known = list.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        var remaining = list.ToDictionary(j => j.Id, j => j.Needs.Where(n => known.Contains(n) && n != j.Id).Distinct().Count(), StringComparer.Ordinal);
        var order = ImmutableArray.CreateBuilder<string>();
        var ready = new Queue<string>(list.Where(j => remaining[j.Id] == 0).Select(j => j.Id));
        while (ready.Count > 0)
        {
            var id = ready.Dequeue();
            order.Add(id);
            foreach (var dependant in list.Where(j => j.Needs.Contains(id)))
            {
                if (--remaining[dependant.Id] == 0)
                {
                    ready.Enqueue(dependant.Id);
                }
            }
        }

        return order.Count == list.Count ? order.ToImmutable() : null;
    }

    /// <summary>Each elementary cycle once, starting from its first job in file order (Tarjan's SCCs, then a path through each).</summary>
    private static List<List<string>> FindCycles(ImmutableArray<Job> jobs, Dictionary<string, Job> byId)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var components = new List<List<string>>();
        var counter = 0;
        var order = jobs.Select((j, i) => (j.Id, i)).GroupBy(x => x.Id).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);

        IEnumerable<string> Edges(string id) => byId[id].Needs.Where(n => n != id && byId.ContainsKey(n));

        void Visit(string v)
        {
            index[v] = low[v] = counter++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in Edges(v))
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);

                if (component.Count > 1)
                {
                    components.Add(component);
                }
            }
        }

        foreach (var job in jobs)
        {
            if (!index.ContainsKey(job.Id))
            {
                Visit(job.Id);
            }
        }

        var cycles = new List<List<string>>();
        foreach (var component in components)
        {
            var members = component.ToHashSet(StringComparer.Ordinal);
            var start = component.OrderBy(c => order[c]).First();

            // Walk needs inside the component from the first job until it returns: a concrete cycle through it.
            var path = new List<string> { start };
            var seen = new HashSet<string>(StringComparer.Ordinal) { start };
            if (Walk(start))
            {
                cycles.Add(path);
            }

            bool Walk(string v)
            {
                foreach (var w in Edges(v).Where(members.Contains).OrderBy(x => order[x]))
                {
                    if (w == start)
                    {
                        return true;
                    }

                    if (seen.Add(w))
                    {
                        path.Add(w);
                        if (Walk(w))
                        {
                            return true;
                        }

                        path.RemoveAt(path.Count - 1);
                    }
                }

                return false;
            }
        }

        return cycles.OrderBy(c => order[c[0]]).ToList();
    }
}
