internal import CGSL

/// Process-wide GSL set-up.
enum GSL {
    /// GSL's default error handler aborts the process; HumorGym checks return codes instead.
    /// Evaluated once, on first use.
    private static let handlerOff: Void = { _ = gsl_set_error_handler_off() }()

    static func disableAbortingErrorHandler() { _ = handlerOff }
}
