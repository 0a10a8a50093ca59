using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VaeWeb.Tests.Infrastructure;

/// <summary>
/// A <see cref="VaeWebFactory"/> with extra settings, optionally another environment, a remote
/// client address (the test host has none, which the service treats as local) and captured logs.
/// </summary>
public sealed class ConfiguredFactory(
    IReadOnlyDictionary<string, string?> settings,
    string? environment = null,
    IPAddress? remoteAddress = null) : VaeWebFactory
{
    public ConcurrentQueue<string> Logs { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => settings;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (environment is not null)
        {
            builder.UseEnvironment(environment);
        }

        builder.ConfigureServices(services =>
        {
            services.AddLogging(logging => logging.AddProvider(new CapturingLoggerProvider(Logs)));
            if (remoteAddress is not null)
            {
                services.AddSingleton<IStartupFilter>(new RemoteAddressStartupFilter(remoteAddress));
            }
        });
    }

    private sealed class RemoteAddressStartupFilter(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, sink);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue($"{category}: {formatter(state, exception)} {exception}");
    }
}
