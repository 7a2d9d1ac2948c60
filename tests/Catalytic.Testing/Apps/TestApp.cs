namespace Catalytic.Testing.Apps;

/// <summary>
/// A small python3 HTTP server written into an artifact folder: honours PORT, answers /healthz, echoes its
/// VERSION in the body and in X-App-Version (and the instance id the supervisor gave it in X-App-Instance), and fails a configurable share of other requests with 500.
/// /slow/SECONDS answers after a pause, /echo/TEXT prints "echo TEXT" to its output, /crash exits; at start it prints
/// its port and $GREETING (so a test can see that a secret reached the instance and was masked in its log).
/// </summary>
public static class TestApp
{
    public const string Source = """
        import http.server, os, random, socketserver, time
        VERSION = open('VERSION').read().strip()
        FAIL = float(open('FAIL_RATE').read()) if os.path.exists('FAIL_RATE') else 0.0
        DELAY = float(open('DELAY').read()) if os.path.exists('DELAY') else 0.0
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            def do_GET(self):
                if self.path == '/healthz':
                    code = 200
                elif self.path == '/crash':
                    os._exit(3)
                elif self.path.startswith('/slow/'):
                    time.sleep(float(self.path[6:]))
                    code = 200
                elif self.path.startswith('/echo/'):
                    # One write(2) for the whole line: print() with PYTHONUNBUFFERED writes 'echo', ' ', TEXT and
                    # '\n' apart, and another thread's traceback (a connection reset) can land in between.
                    os.write(1, ('echo ' + self.path[6:] + '\n').encode())
                    code = 200
                else:
                    if DELAY:
                        time.sleep(DELAY)
                    code = 500 if random.random() < FAIL else 200
                body = (VERSION + ' ' + os.environ.get('GREETING', '') + '\n').encode()
                self.send_response(code)
                self.send_header('Content-Length', str(len(body)))
                self.send_header('X-App-Version', VERSION)
                self.send_header('X-App-Instance', os.environ.get('CATALYTIC_INSTANCE', ''))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *a):
                pass
        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 256
        print('listening on', os.environ['PORT'], 'greeting', os.environ.get('GREETING', ''), flush=True)
        S(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()
        """;

    /// <summary>Writes the app for <paramref name="version"/> into a new folder under <paramref name="root"/>.</summary>
    public static string Write(string root, string version, double failRate = 0, double delaySeconds = 0)
    {
        var dir = Path.Combine(root, "artifact-" + version + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "app.py"), Source);
        File.WriteAllText(Path.Combine(dir, "VERSION"), version);
        if (failRate > 0)
        {
            File.WriteAllText(Path.Combine(dir, "FAIL_RATE"), failRate.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (delaySeconds > 0)
        {
            File.WriteAllText(Path.Combine(dir, "DELAY"), delaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return dir;
    }
}
