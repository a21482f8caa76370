/// Okabe–Ito colours (Okabe & Ito, 2008): distinguishable under the common colour-vision deficiencies
/// and in greyscale print, so a figure survives being copied into a paper.
public enum Palette {
    /// Orange, sky blue, bluish green, blue, vermillion, reddish purple, yellow, black.
    /// Yellow comes late because it is faint on white.
    public static let okabeIto: [String] = [
        "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000",
    ]

    /// The colour of the series at `index`, cycling when there are more series than colours.
    public static func color(_ index: Int) -> String {
        let count = okabeIto.count
        return okabeIto[((index % count) + count) % count]
    }
}
