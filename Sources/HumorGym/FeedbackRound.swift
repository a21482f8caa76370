/// The round of feedback a learner is collecting in (1 for the first, and outside any learner), for whoever
/// answers its critic's calls: from the second round on, what a critic is asked depends on its earlier answers
/// (a dry run says so).
public enum FeedbackRound {
    @TaskLocal public static var current = 1
}
