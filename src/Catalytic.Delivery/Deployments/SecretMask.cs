namespace Catalytic.Delivery.Deployments;

/// <summary>Replaces secret values in text that leaves the server (instance logs, pre-deploy output) with ***.</summary>
public static class SecretMask
{
    /// <summary>The mask.</summary>
    public const string Mask = "***";

    /// <summary>
    /// <paramref name="text"/> with every occurrence of each value replaced by ***, longest values first (so a secret
    /// that contains another is masked whole). Values shorter than 3 characters are left alone: masking every "1"
    /// would destroy the output without hiding anything worth hiding.
    /// </summary>
    public static string Apply(string text, IEnumerable<string> values)
    {
        foreach (var v in values.Where(IsMaskable).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length))
        {
            text = text.Replace(v, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>True for a value worth masking: at least 3 characters once trimmed (see <see cref="Apply"/>).</summary>
    public static bool IsMaskable(string value) => value.Trim().Length >= 3;
}
