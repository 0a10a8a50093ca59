using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Limits;
using VaeWeb.Security;
using VaeWeb.Training;

namespace VaeWeb.Api;

/// <summary>Where every endpoint of the API is mapped, with what each group requires.</summary>
public static class ApiRoutes
{
    public static IEndpointRouteBuilder MapVaeApi(this IEndpointRouteBuilder app)
    {
        app.MapTrainingApi();
        app.MapServingApi();
        app.MapSweepsApi();

        // Reads: open, or behind the key when reads are protected; bad input becomes ProblemDetails in one filter.
        var reads = app.MapGroup("").RequireReadAccess().AddEndpointFilter<InputProblemFilter>();
        reads.MapRunsApi();
        reads.MapRunArchiveApi();
        reads.MapCompareApi();
        reads.MapDatasetApi();

        // The model endpoints: on the shared compute limiter too. Each handler takes a ModelCall
        // (lease or 503, inference gate, X-Model-Version) and reads parse → compute → respond.
        var models = reads.MapGroup("").RequireComputeLimit()
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status429TooManyRequests, typeof(ProblemDetails), [ApiConventions.ProblemJson]));
        models.MapSamplesApi();
        models.MapEncodeApi();
        models.MapDecodeApi();
        models.MapReconstructApi();
        models.MapExplainApi();
        models.MapInterpolateApi();
        models.MapLatentMapApi();
        models.MapModelApi();
        // Evaluation is minutes of CPU on the test set: training control, like starting a run.
        models.MapEvaluateApi().RequireTrainingControl();
        return app;
    }
}
