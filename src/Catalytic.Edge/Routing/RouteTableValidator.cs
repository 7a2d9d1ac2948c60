using Catalytic.Delivery.Routing;

namespace Catalytic.Edge.Routing;

/// <summary>Checks a route table before it replaces the live one; every problem is named by its field.</summary>
public static class RouteTableValidator
{
    /// <summary>Every problem of <paramref name="table"/>, empty when it can be applied.</summary>
    public static IReadOnlyList<string> Validate(RouteTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(table.App))
        {
            errors.Add("App: must not be empty");
        }

        if (string.IsNullOrWhiteSpace(table.Environment))
        {
            errors.Add("Environment: must not be empty");
        }

        if (table.StickyCookie is { Length: > 0 } cookie && !IsToken(cookie))
        {
            errors.Add($"StickyCookie: '{cookie}' is not a valid cookie name");
        }

        if (table.Versions.IsDefault)
        {
            errors.Add("Versions: must not be a default (uninitialised) array");
            return errors;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sum = 0;
        for (var i = 0; i < table.Versions.Length; i++)
        {
            var v = table.Versions[i];
            var at = $"Versions[{i}]";
            if (v is null)
            {
                errors.Add($"{at}: must not be null");
                continue;
            }

            if (string.IsNullOrWhiteSpace(v.Version))
            {
                errors.Add($"{at}.Version: must not be empty");
            }
            else if (!seen.Add(v.Version))
            {
                errors.Add($"{at}.Version: '{v.Version}' appears more than once");
            }
            else if (v.Version.Any(c => char.IsControl(c) || c is ';' or ',' or ' ' or '"'))
            {
                errors.Add($"{at}.Version: '{v.Version}' holds a character that cannot go into a header or cookie");
            }

            if (v.Weight is < 0 or > 100)
            {
                errors.Add($"{at}.Weight: {v.Weight} is outside 0–100");
            }
            else
            {
                sum += v.Weight;
            }

            if (v.Instances.IsDefault)
            {
                errors.Add($"{at}.Instances: must not be a default (uninitialised) array");
                continue;
            }

            for (var j = 0; j < v.Instances.Length; j++)
            {
                var uri = v.Instances[j];
                if (uri is null || !uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    errors.Add($"{at}.Instances[{j}]: '{uri}' is not an absolute http(s) address");
                }
                else if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
                {
                    errors.Add($"{at}.Instances[{j}]: '{uri}' must not carry a query or fragment");
                }
            }
        }

        if (sum != 0 && sum != 100 && errors.Count == 0)
        {
            errors.Add($"Versions: weights add up to {sum}; they must add up to 100 (or 0 to stop all traffic)");
        }

        return errors;
    }

    private static bool IsToken(string s) =>
        s.All(c => c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".IndexOf(c, StringComparison.Ordinal) < 0);
}
