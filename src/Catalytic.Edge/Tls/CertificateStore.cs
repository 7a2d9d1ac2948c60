using System.Collections.Immutable;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Catalytic.Edge.Proxy;
using Microsoft.Extensions.Logging;

namespace Catalytic.Edge.Tls;

/// <summary>One certificate as the handshake uses it, with the names it answers for.</summary>
internal sealed record LoadedCertificate(
    EdgeCertificateFiles Files, X509Certificate2 Certificate, SslStreamCertificateContext Context,
    ImmutableArray<string> Names, DateTimeOffset NotAfter, (DateTime, long, DateTime, long) Stamp);

/// <summary>
/// A listener's certificates (PEM files), chosen per handshake by SNI — an exact DNS name of the certificate, then a
/// wildcard one (<c>*.example.com</c> covers one label, RFC 6125), else the first certificate — and reloaded when a file
/// changes: <see cref="Check"/> runs on the host's clock and swaps in a new immutable set, so handshakes after it get the
/// new certificate while connections already open keep theirs (nothing is dropped). A file that cannot be read (half
/// written, a key that does not match) keeps the previous certificate and is tried again at the next check.
/// </summary>
internal sealed class CertificateStore : IDisposable
{
    private readonly ILogger _log;
    private LoadedCertificate[] _loaded;

    private CertificateStore(string listener, LoadedCertificate[] loaded, ILogger log)
    {
        Listener = listener;
        _loaded = loaded;
        _log = log;
    }

    /// <summary>The listener's address, as the expiry metric labels it (the bound one once the listener runs: port 0 is replaced).</summary>
    public string Listener { get; set; }

    /// <summary>The certificates in force.</summary>
    public IReadOnlyList<LoadedCertificate> Current => Volatile.Read(ref _loaded);

    /// <summary>How many times a changed certificate was loaded (tests wait for it).</summary>
    public int Reloads { get; private set; }

    /// <summary>Loads every certificate; throws (naming the file) when one cannot be used, so a listener never starts half-configured.</summary>
    public static CertificateStore Load(string listener, IReadOnlyList<EdgeCertificateFiles> files, ILogger log)
    {
        var loaded = files.Select(f => LoadOne(f, out var error) ?? throw new InvalidDataException($"{f.CertificatePath}: {error}")).ToArray();
        return new CertificateStore(listener, loaded, log);
    }

    /// <summary>The certificate for a handshake that asked for <paramref name="serverName"/> (SNI; null when none was sent).</summary>
    public SslStreamCertificateContext Select(string? serverName)
    {
        var set = Volatile.Read(ref _loaded);
        if (serverName is { Length: > 0 } && set.Length > 1)
        {
            var name = serverName.ToLowerInvariant();
            LoadedCertificate? wildcard = null;
            foreach (var c in set)
            {
                foreach (var n in c.Names)
                {
                    if (n == name)
                    {
                        return c.Context;
                    }

                    if (wildcard is null && n.StartsWith("*.", StringComparison.Ordinal) && name.EndsWith(n.AsSpan(1), StringComparison.Ordinal)
                        && name.IndexOf('.') == name.Length - n.Length + 1)
                    {
                        wildcard = c;
                    }
                }
            }

            if (wildcard is not null)
            {
                return wildcard.Context;
            }
        }

        return set[0].Context;
    }

    /// <summary>Reloads every certificate whose files changed since they were loaded; true when one was.</summary>
    public bool Check()
    {
        var set = Volatile.Read(ref _loaded);
        var next = set;
        for (var i = 0; i < set.Length; i++)
        {
            var old = set[i];
            if (Stamp(old.Files) == old.Stamp)
            {
                continue;
            }

            if (LoadOne(old.Files, out var error) is { } fresh)
            {
                next = next == set ? (LoadedCertificate[])set.Clone() : next;
                next[i] = fresh;
                EdgeLog.CertificateReloaded(_log, Listener, old.Files.CertificatePath, fresh.NotAfter.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                EdgeLog.CertificateNotReloaded(_log, Listener, old.Files.CertificatePath, error);
            }
        }

        if (next == set)
        {
            return false;
        }

        Volatile.Write(ref _loaded, next);
        Reloads++;
        return true;
    }

    public void Dispose()
    {
        foreach (var c in Current)
        {
            c.Certificate.Dispose();
        }
    }

    private static (DateTime, long, DateTime, long) Stamp(EdgeCertificateFiles files)
    {
        var cert = new FileInfo(files.CertificatePath);
        var key = new FileInfo(files.KeyPath);
        return (cert.Exists ? cert.LastWriteTimeUtc : default, cert.Exists ? cert.Length : -1,
            key.Exists ? key.LastWriteTimeUtc : default, key.Exists ? key.Length : -1);
    }

    private static LoadedCertificate? LoadOne(EdgeCertificateFiles files, out string error)
    {
        error = "";
        try
        {
            var stamp = Stamp(files);
            using var pem = X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath);
            if (!pem.HasPrivateKey)
            {
                error = "the key does not belong to the certificate";
                return null;
            }

            // An ephemeral PEM key cannot serve TLS on every platform; a PKCS#12 round trip gives a persisted one.
            var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(files.CertificatePath);
            var intermediates = new X509Certificate2Collection(chain.Cast<X509Certificate2>().Skip(1).ToArray());
            var context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
            return new LoadedCertificate(files, certificate, context, Names(certificate), certificate.NotAfter.ToUniversalTime(), stamp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            error = e.Message;
            return null;
        }
    }

    private static ImmutableArray<string> Names(X509Certificate2 certificate)
    {
        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames().Select(n => n.ToLowerInvariant()));
            }
        }

        if (names.Count == 0 && certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false) is { Length: > 0 } cn)
        {
            names.Add(cn.ToLowerInvariant());
        }

        return names.ToImmutable();
    }
}
