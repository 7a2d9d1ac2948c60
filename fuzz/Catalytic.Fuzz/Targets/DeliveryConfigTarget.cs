using System.Text;
using Catalytic.Delivery.Config;

namespace Catalytic.Fuzz.Targets;

/// <summary>A <c>catalytic.yml</c> (<see cref="DeliveryConfigParser.Parse"/>): bad input is reported as errors, never thrown.</summary>
internal sealed class DeliveryConfigTarget : IFuzzTarget
{
    public string Name => "catalytic-yml";

    public void Run(ReadOnlySpan<byte> input) => DeliveryConfigParser.Parse(Encoding.UTF8.GetString(input));
}
