using System.Globalization;

namespace VaeWeb.Training;

/// <summary>
/// One trainer per state directory: <c>trainer.lock</c>, held open with no sharing for as long as the
/// trainer runs. A second trainer started on the same directory (by mistake, or a second container on
/// one volume) would otherwise mark the first one's running run <c>interrupted</c> and train the queue
/// twice; with the lock it refuses to start and says why. The operating system lets go of the lock
/// when the process dies, so a kill never leaves a stale lock behind. Serve-only replicas take none.
/// </summary>
public sealed class TrainerLock : IDisposable
{
    public const string FileName = "trainer.lock";

    private FileStream? handle;

    /// <exception cref="InvalidOperationException">Another trainer holds the directory.</exception>
    public void Acquire(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, FileName);
        try
        {
            handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"Another trainer is using the state directory '{stateDirectory}' (it holds {FileName}). Give this instance its own Vae:StateDirectory, or run it as a serve-only replica (Vae:Training:Enabled=false).",
                e);
        }

        // For a person looking at the directory: which process holds it.
        handle.SetLength(0);
        using var writer = new StreamWriter(handle, leaveOpen: true);
        writer.Write(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        handle?.Dispose();
        handle = null;
    }
}
