namespace VaeWeb.Serving;

public static class CheckpointFollowerExtensions
{
    /// <summary>
    /// A serve-only replica follows the trainer: newer verified checkpoints are swapped in and the
    /// published run history re-read every <c>Vae:Serving:FollowInterval</c>. Does nothing on the trainer.
    /// </summary>
    public static IServiceCollection AddCheckpointFollower(this IServiceCollection services)
    {
        services.AddHostedService<CheckpointFollower>();
        return services;
    }
}
