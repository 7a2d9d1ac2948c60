using System.Collections.Immutable;
using System.Text.Json;
using Catalytic.Status.Alerts;
using Catalytic.Status.Config;
using Catalytic.Status.Contracts;
using Catalytic.Status.Notifications;
using Catalytic.Status.Storage;
using Catalytic.Storage.Status;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Status.Tests.Support;

/// <summary>A real SQLite status store, the alert book and the dispatcher on a fake clock.</summary>
public sealed class AlertingHarness : IAsyncDisposable
{
    private readonly TempDir _dir = new();

    public AlertingHarness(string yaml)
    {
        var (config, errors) = StatusConfigParser.Parse(yaml);
        Assert.True(errors.IsEmpty, string.Join("\n", errors));
        Config = config!;
        Store = new SqliteStatusStore(_dir.File("status.db"));
        Book = new AlertBook(Store, Time);
        Dispatcher = new AlertDispatcher(() => Config, Store, Book, Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    public StatusConfig Config { get; set; }

    public SqliteStatusStore Store { get; }

    public AlertBook Book { get; private set; }

    public AlertDispatcher Dispatcher { get; private set; }

    public async Task InitializeAsync() => await Store.InitializeAsync();

    /// <summary>A fresh book and dispatcher over the same store, as after a restart.</summary>
    public async Task RestartAsync()
    {
        Book = new AlertBook(Store, Time);
        await Book.LoadAsync();
        Dispatcher = new AlertDispatcher(() => Config, Store, Book, Time);
    }

    public static ImmutableSortedDictionary<string, string> Labels(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToImmutableSortedDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    public Task<Alert?> FireAsync(params string[] labels) =>
        Book.ApplyAsync(new AlertSignal(Labels(labels), ImmutableSortedDictionary<string, string>.Empty.Add("summary", string.Join(" ", labels)), true));

    public Task<Alert?> ResolveAsync(params string[] labels) =>
        Book.ApplyAsync(new AlertSignal(Labels(labels), ImmutableSortedDictionary<string, string>.Empty, false));

    /// <summary>Advances the clock and runs one dispatcher pass.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        await Dispatcher.TickAsync();
    }

    /// <summary>Messages queued so far, oldest first, with their notifications decoded.</summary>
    public async Task<List<(OutboxMessage Message, Notification Notification)>> SentAsync()
    {
        var list = await Store.ListOutboxAsync(false, 1000);
        return [.. list.OrderBy(m => m.Id).Select(m => (m, JsonSerializer.Deserialize(m.Payload, StatusJson.Default.Notification)!))];
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
