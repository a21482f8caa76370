/// The paraphrase world's words, written for this project. A concept is its plain word followed by synonyms
/// ("nurse|caregiver"); the gold judge counts a synonym as keeping the meaning.
///
/// Train and test prompts come from `topics`; out-of-distribution prompts from `oodTopics`, which train
/// never shows, in sentence shapes train never shows either (see ``PromptShape``). A world with modifiers
/// lets any prompt end with one of `modifiers` ("... at dawn ."), in distribution and out.
enum Lexicon {
    struct Topic {
        let name: String
        let roles: [String]
        let activities: [String]
        let objects: [String]
    }

    static let topics: [Topic] = [
        Topic(name: "work", roles: ["nurse|caregiver", "accountant|bookkeeper", "barista|brewer", "manager|supervisor"],
              activities: ["work|labor", "type|keyboard", "file|archive", "present|pitch"],
              objects: ["desk|workstation", "inbox|mailbox", "laptop|computer", "stapler|clipper"]),
        Topic(name: "food", roles: ["chef|cook", "baker|pastrycook", "waiter|server", "vegetarian|herbivore"],
              activities: ["bake|roast", "snack|nibble", "fry|saute", "eat|munch"],
              objects: ["fridge|refrigerator", "sandwich|sub", "oven|stove", "lunchbox|bento"]),
        Topic(name: "sleep", roles: ["insomniac|nightowl", "napper|dozer", "sleepwalker|somnambulist", "snorer|wheezer"],
              activities: ["nap|doze", "sleep|slumber", "snooze|drowse", "yawn|gape"],
              objects: ["pillow|cushion", "blanket|duvet", "alarm|clock", "mattress|bed"]),
        Topic(name: "pets", roles: ["dogwalker|walker", "vet|veterinarian", "groomer|brusher", "breeder|keeper"],
              activities: ["walk|stroll", "feed|nourish", "groom|brush", "fetch|retrieve"],
              objects: ["cat|kitty", "dog|pup", "parrot|bird", "hamsterwheel|wheel"]),
        Topic(name: "fitness", roles: ["runner|jogger", "lifter|weightlifter", "swimmer|paddler", "cyclist|biker"],
              activities: ["jog|run", "lift|hoist", "stretch|limber", "swim|paddle"],
              objects: ["treadmill|runway", "dumbbell|weight", "sneakers|trainers", "yogamat|mat"]),
        Topic(name: "family", roles: ["mom|mother", "dad|father", "sibling|sister", "grandparent|elder"],
              activities: ["babysit|mind", "visit|drop", "call|ring", "host|entertain"],
              objects: ["minivan|van", "toddler|tot", "familychat|groupchat", "highchair|seat"]),
        Topic(name: "commute", roles: ["commuter|traveler", "driver|motorist", "passenger|rider", "carpooler|sharer"],
              activities: ["drive|steer", "park|dock", "merge|swerve", "commute|shuttle"],
              objects: ["bus|coach", "train|railcar", "bicycle|bike", "parkingspot|space"]),
        Topic(name: "school", roles: ["student|pupil", "teacher|educator", "tutor|mentor", "librarianstudent|bookworm"],
              activities: ["study|cram", "revise|review", "grade|mark", "lecture|teach"],
              objects: ["homework|assignment", "textbook|book", "backpack|bag", "exam|test"]),
        Topic(name: "music", roles: ["drummer|percussionist", "singer|vocalist", "guitarist|strummer", "pianist|keyboardist"],
              activities: ["sing|croon", "practice|rehearse", "drum|tap", "compose|write"],
              objects: ["guitar|axe", "piano|keys", "headphones|earphones", "playlist|mixtape"]),
        Topic(name: "chores", roles: ["cleaner|tidier", "gardener|weeder", "handyman|fixer", "launderer|washer"],
              activities: ["vacuum|hoover", "dust|wipe", "mop|scrub", "iron|press"],
              objects: ["laundry|washing", "dishes|plates", "sponge|scrubber", "broom|sweeper"]),
    ]

    static let oodTopics: [Topic] = [
        Topic(name: "money", roles: ["saver|hoarder", "investor|trader", "spender|shopper", "banker|lender"],
              activities: ["budget|plan", "invest|stake", "spend|splurge", "save|stash"],
              objects: ["wallet|purse", "savings|nestegg", "creditcard|card", "paycheck|salary"]),
        Topic(name: "technology", roles: ["programmer|coder", "gamer|player", "blogger|poster", "engineer|builder"],
              activities: ["code|program", "scroll|browse", "update|upgrade", "reboot|restart"],
              objects: ["phone|smartphone", "router|modem", "printer|copier", "password|passcode"]),
        Topic(name: "gardening", roles: ["farmer|grower", "florist|arranger", "botanist|plantlover", "beekeeper|apiarist"],
              activities: ["plant|sow", "water|sprinkle", "prune|trim", "harvest|reap"],
              objects: ["tomatoes|tomato", "lawn|grass", "shovel|spade", "greenhouse|glasshouse"]),
        Topic(name: "travel", roles: ["tourist|sightseer", "pilot|aviator", "backpacker|wanderer", "sailor|mariner"],
              activities: ["fly|jet", "pack|bundle", "hike|trek", "travel|roam"],
              objects: ["suitcase|luggage", "passport|papers", "tent|shelter", "map|atlas"]),
        Topic(name: "weather", roles: ["forecaster|meteorologist", "stormchaser|chaser", "sunbather|tanner", "skier|snowboarder"],
              activities: ["forecast|predict", "shiver|tremble", "sweat|perspire", "sunbathe|bask"],
              objects: ["umbrella|brolly", "raincoat|poncho", "snowboots|boots", "sunscreen|sunblock"]),
    ]

    /// Qualifiers (how the speaker feels or is), shared by every topic.
    static let qualifiers = [
        "tired|exhausted", "busy|swamped", "nervous|anxious", "happy|cheerful", "bored|restless", "hungry|starving",
        "late|tardy", "broke|penniless", "lazy|sluggish", "proud|smug", "confused|puzzled", "calm|relaxed",
    ]

    /// Time and place modifiers, each a preposition and its head word with synonyms ("at dawn|daybreak": "at
    /// dawn" or "at daybreak"): the optional last part of a prompt's meaning in a world with modifiers, shared by
    /// every topic; the gold judge reads the head word.
    static let modifiers = [
        "at dawn|daybreak", "at noon|midday", "at dusk|sunset", "in winter|wintertime", "in summer|summertime",
        "on weekends|saturdays", "on vacation|holiday", "at parties|gatherings", "at weddings|receptions",
        "in meetings|conferences", "in traffic|gridlock", "at brunch|breakfast",
    ]

    /// The nouns a joke's twist compares the speaker to.
    static let twistNouns = [
        "pirate", "penguin", "wizard", "vampire", "goldfish", "toaster", "ninja", "dinosaur", "robot", "squirrel",
        "zombie", "potato", "diva", "astronaut", "llama", "cactus", "submarine", "sloth", "raccoon", "walrus",
        "hamster", "volcano", "kangaroo", "octopus", "unicorn", "pigeon", "snowman", "accordion", "lobster", "mime",
    ]

    /// The situations a twist puts its noun in.
    static let situations = [
        "on a unicycle", "in a blender", "at a job interview", "without coffee", "during a fire drill",
        "on a first date", "in slow motion", "at the dentist", "with stage fright", "in a hurricane", "on a diet",
        "at karaoke night", "on roller skates", "in witness protection", "at a tax audit", "on its day off",
    ]

    /// Exaggeration words, placed before the qualifier or concept.
    static let intensifiers = ["totally", "literally", "extremely", "ridiculously", "officially", "dangerously"]

    /// Openers and tags: the frame around a joke ("" means none).
    static let openers = ["honestly ,", "fun fact :", "plot twist :", "confession :", "well ,"]
    static let tags = ["send help", "as usual", "lol", "no regrets", "every single time", "apparently"]
}
