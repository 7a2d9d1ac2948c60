using System.Net;
using System.Net.Sockets;
using Catalytic.Edge.Tests.Support;
using Catalytic.Edge.Transport;

namespace Catalytic.Edge.Tests.Transport;

public sealed class LoopSocketTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Connect_ThenSendAndReceive_RoundTripsThroughAPeer()
    {
        using var listener = Listen(out var endPoint);
        var accepting = listener.AcceptAsync(Ct);
        var socket = await LoopSocket.ConnectAsync(endPoint, TimeSpan.FromSeconds(5), Catalytic.Testing.Waiting.RealTime.Clock);
        using var peer = await accepting;

        await socket.SendAsync("ping"u8.ToArray());
        var received = new byte[16];
        var n = await peer.ReceiveAsync(received, SocketFlags.None, Ct);
        await peer.SendAsync("pong!"u8.ToArray(), SocketFlags.None, Ct);
        var answer = new byte[16];
        var m = await socket.ReceiveAsync(answer);

        Assert.Equal("ping", System.Text.Encoding.ASCII.GetString(received, 0, n));
        Assert.Equal("pong!", System.Text.Encoding.ASCII.GetString(answer, 0, m));
        socket.Close();
    }

    [Fact]
    public async Task Connect_ToAPortNobodyListensOn_ThrowsSocketException()
    {
        using var listener = Listen(out var endPoint);
        listener.Dispose();

        await Assert.ThrowsAsync<SocketException>(async () => await LoopSocket.ConnectAsync(endPoint, TimeSpan.FromSeconds(5), Catalytic.Testing.Waiting.RealTime.Clock));
    }

    [Fact]
    public async Task Receive_WaitsForData_AndCloseFromAnotherThreadEndsItWithZero()
    {
        using var listener = Listen(out var endPoint);
        var accepting = listener.AcceptAsync(Ct);
        var socket = await LoopSocket.ConnectAsync(endPoint, TimeSpan.FromSeconds(5), Catalytic.Testing.Waiting.RealTime.Clock);
        using var peer = await accepting;

        var pending = socket.ReceiveAsync(new byte[64]).AsTask();
        Assert.True(socket.ReceiveParked, "nothing was sent yet: the receive waits for readiness");
        Assert.False(pending.IsCompleted);
        await peer.SendAsync("late"u8.ToArray(), SocketFlags.None, Ct);
        Assert.Equal(4, await Eventually.ResultAsync(pending, "the receive completing after the peer sent"));

        var parked = socket.ReceiveAsync(new byte[64]).AsTask();
        Assert.True(socket.ReceiveParked);
        await Task.Run(socket.Close, Ct);
        Assert.Equal(0, await Eventually.ResultAsync(parked, "the parked receive ending at close"));
    }

    [Fact]
    public async Task Receive_DataAndHangUpArrivedTogether_ReturnsTheDataThenTheEnd()
    {
        using var listener = Listen(out var endPoint);
        var accepting = listener.AcceptAsync(Ct);
        var socket = await LoopSocket.ConnectAsync(endPoint, TimeSpan.FromSeconds(5), Catalytic.Testing.Waiting.RealTime.Clock);
        using (var peer = await accepting)
        {
            await peer.SendAsync("bye"u8.ToArray(), SocketFlags.None, Ct);
            peer.Shutdown(SocketShutdown.Send);
        }

        // Both the bytes and the FIN are there before the first receive: its short read must not hide the end.
        await Eventually.TrueAsync(() => socket.ReadEnded, "the loop seeing the peer's hang-up");
        var buffer = new byte[4096];
        Assert.Equal(3, await socket.ReceiveAsync(buffer));
        Assert.Equal(0, await Eventually.ResultAsync(socket.ReceiveAsync(buffer).AsTask(), "the end of the stream"));
        socket.Close();
    }

    [Fact]
    public async Task Send_FarLargerThanTheSocketBuffers_CompletesOnceThePeerReadsItAll()
    {
        using var listener = Listen(out var endPoint);
        var accepting = listener.AcceptAsync(Ct);
        var socket = await LoopSocket.ConnectAsync(endPoint, TimeSpan.FromSeconds(5), Catalytic.Testing.Waiting.RealTime.Clock);
        using var peer = await accepting;
        var data = new byte[24 * 1024 * 1024];
        Random.Shared.NextBytes(data);

        var sending = socket.SendAsync(data).AsTask();
        await Eventually.TrueAsync(() => socket.SendParked, "the send waiting for the peer to read (24 MB exceed the socket buffers)");
        Assert.False(sending.IsCompleted);
        var received = new byte[data.Length];
        var total = 0;
        while (total < data.Length)
        {
            total += await peer.ReceiveAsync(received.AsMemory(total), SocketFlags.None, Ct);
        }

        await Eventually.ResultAsync(sending.ContinueWith(_ => true, Ct, TaskContinuationOptions.None, TaskScheduler.Default), "the send completing");
        await sending;
        Assert.True(data.AsSpan().SequenceEqual(received));
        socket.Close();
    }

    private static Socket Listen(out IPEndPoint endPoint)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        endPoint = (IPEndPoint)listener.LocalEndPoint!;
        return listener;
    }
}
