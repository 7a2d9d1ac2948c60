using System.Reflection;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Deployments.State;
using Catalytic.Testing.Architecture;

namespace Catalytic.Delivery.Tests.Architecture;

/// <summary>
/// The delivery core knows its own interfaces (routing, storage) and the platform: no ASP.NET, no SQL, no edge, no
/// API contracts (the server maps its values onto them), no workflows.
/// </summary>
public sealed class LayeringTests
{
    private static readonly Assembly Delivery = typeof(DeliveryEngine).Assembly;

    [Fact]
    public void Delivery_ReferencesOnlyThePlatformAndLoggingAbstractions() =>
        Assert.Empty(AssemblyReferences.Outside(Delivery, "Catalytic.Platform", "Microsoft.Extensions.Logging.Abstractions"));

    [Fact]
    public void EnvironmentState_IsImmutable_AndNoDeliveryTypeHandsOutALock()
    {
        // STYLE.md 25: the state is a snapshot swapped whole, decided on by functions, never locked from outside.
        var stateTypes = typeof(EnvironmentState).Assembly.GetTypes().Where(t => t.Namespace == typeof(EnvironmentState).Namespace && t.IsPublic && !t.IsAbstract);
        var setters = stateTypes.Where(t => t != typeof(DeploymentSignals))
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true } set && !IsInitOnly(set)).Select(p => $"{t.Name}.{p.Name}"));
        Assert.Empty(setters);

        var lockTypes = new[] { typeof(Lock), typeof(SemaphoreSlim), typeof(Monitor), typeof(Mutex), typeof(ReaderWriterLockSlim) };
        var exposed = Delivery.GetExportedTypes()
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Select(p => (t, p.Name, p.PropertyType))
                .Concat(t.GetFields(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Select(f => (t, f.Name, f.FieldType))))
            .Where(m => lockTypes.Contains(m.Item3)).Select(m => $"{m.t.Name}.{m.Name}");
        Assert.Empty(exposed);
    }

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");
}
