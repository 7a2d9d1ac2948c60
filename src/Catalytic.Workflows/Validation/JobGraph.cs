using System.Collections.Immutable;
using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Validation;

/// <summary>Checks the `needs` graph of a workflow: unknown jobs, a job needing itself, and cycles.</summary>
public static class JobGraph
{
    /// <summary>
    /// Adds a diagnostic for every unknown need and every need that closes a cycle, at the need as written and in GitHub's
    /// words (its workflow parser, model/converter/jobs.js: "Job 'b' depends on unknown job 'x'." and "Job 'a' depends on
    /// job 'b' which creates a cycle in the dependency graph."), naming the jobs of the cycle.
    /// </summary>
    public static void Check(ImmutableArray<Job> jobs, ICollection<Diagnostic> diagnostics)
    {
        var byId = new Dictionary<string, Job>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            byId.TryAdd(job.Id, job);
        }

        var cycles = FindCycles(jobs, byId);
        var reachesCycle = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            for (var i = 0; i < job.Needs.Length; i++)
            {
                var need = job.Needs[i];
                var span = i < job.NeedSpans.Length ? job.NeedSpans[i] : job.Span;
                if (need == job.Id)
                {
                    diagnostics.Add(new Diagnostic(span, $"Job '{job.Id}' depends on job '{need}' which creates a cycle in the dependency graph: job '{job.Id}' needs itself"));
                }
                else if (!byId.ContainsKey(need))
                {
                    var hint = Suggestions.DidYouMean(need, byId.Keys);
                    diagnostics.Add(new Diagnostic(span, $"Job '{job.Id}' depends on unknown job '{need}'" + (hint.Length == 0 ? "." : hint)));
                }
                else if (ReachesCycle(need, []))
                {
                    var cycle = cycles.FirstOrDefault(c => c.Contains(job.Id) && c.Contains(need)) ?? cycles.FirstOrDefault(c => c.Contains(need));
                    var path = cycle is null ? "" : $" ({string.Join(" → ", cycle.Append(cycle[0]))})";
                    diagnostics.Add(new Diagnostic(span, $"Job '{job.Id}' depends on job '{need}' which creates a cycle in the dependency graph{path}"));
                }
            }
        }

        // A job that lies on a cycle or needs (through other jobs) one that does never becomes ready.
        bool ReachesCycle(string id, HashSet<string> visiting)
        {
            if (reachesCycle.TryGetValue(id, out var known))
            {
                return known;
            }

            if (!visiting.Add(id))
            {
                return true;
            }

            var result = byId[id].Needs.Any(n => n == id || (byId.ContainsKey(n) && ReachesCycle(n, visiting)));
            visiting.Remove(id);
            reachesCycle[id] = result;
            return result;
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
