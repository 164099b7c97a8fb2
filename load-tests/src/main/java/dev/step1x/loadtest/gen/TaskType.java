package dev.step1x.loadtest.gen;

import java.util.List;

/**
 * The 11 GEdit-Bench task types (their code keys) with the benchmark's per-language sample counts (606 per
 * language), used as the default instruction mix. The
 * instructions are our own short examples of each type, in English and Chinese; text edits quote the text,
 * as the Step1X-Edit maintainers advise.
 */
public enum TaskType {
    BACKGROUND_CHANGE("background_change", 40,
            List.of("Replace the background with a snowy mountain range", "Put the subject on a busy city street at night"),
            List.of("把背景换成雪山", "将背景替换为夜晚的城市街道")),
    COLOR_ALTER("color_alter", 40,
            List.of("Make the car bright red", "Change the shirt to dark green"),
            List.of("把汽车改成鲜红色", "把衬衫换成深绿色")),
    MATERIAL_ALTER("material_alter", 40,
            List.of("Make the vase look like it is made of glass", "Turn the table into polished marble"),
            List.of("让花瓶看起来是玻璃做的", "把桌子变成抛光的大理石")),
    MOTION_CHANGE("motion_change", 40,
            List.of("Make the person raise both arms", "Let the dog jump in the air"),
            List.of("让人举起双臂", "让狗跳到空中")),
    PS_HUMAN("ps_human", 70,
            List.of("Smooth the skin and brighten the eyes", "Remove the wrinkles and whiten the teeth slightly"),
            List.of("磨皮并提亮眼睛", "去掉皱纹，牙齿稍微美白")),
    STYLE_CHANGE("style_change", 60,
            List.of("Render the photo as a watercolor painting", "Turn the image into a pencil sketch"),
            List.of("把照片变成水彩画风格", "把图像变成铅笔素描")),
    SUBJECT_ADD("subject-add", 60,
            List.of("Add a red balloon in the sky", "Put a cat on the sofa"),
            List.of("在天空中加一个红气球", "在沙发上放一只猫")),
    SUBJECT_REMOVE("subject-remove", 57,
            List.of("Remove the person on the left", "Remove the car from the street"),
            List.of("去掉左边的人", "把街上的汽车去掉")),
    SUBJECT_REPLACE("subject-replace", 60,
            List.of("Replace the dog with a fox", "Replace the bicycle with a motorcycle"),
            List.of("把狗换成狐狸", "把自行车换成摩托车")),
    TEXT_CHANGE("text_change", 99,
            List.of("Replace the text \"OPEN\" with \"CLOSED\"", "Change the sign text \"SALE\" to \"NEW\""),
            List.of("将\"OPEN\"替换成\"CLOSED\"", "把招牌上的\"SALE\"改成\"NEW\"")),
    TONE_TRANSFER("tone_transfer", 40,
            List.of("Make it look like a warm sunset", "Give the scene a cold winter morning tone"),
            List.of("让画面呈现温暖的日落色调", "把场景调成寒冷冬日清晨的色调"));

    /** Samples per language in GEdit-Bench (sum 606). */
    public static final int BENCH_TOTAL = 606;

    private final String key;
    private final int benchCount;
    private final List<String> english;
    private final List<String> chinese;

    TaskType(String key, int benchCount, List<String> english, List<String> chinese) {
        this.key = key;
        this.benchCount = benchCount;
        this.english = english;
        this.chinese = chinese;
    }

    /** The benchmark's code key, e.g. {@code subject-add}. */
    public String key() {
        return key;
    }

    /** Samples of this type per language in GEdit-Bench. */
    public int benchCount() {
        return benchCount;
    }

    /** This type's share of the benchmark. */
    public double benchShare() {
        return benchCount / (double) BENCH_TOTAL;
    }

    public List<String> instructions(Language language) {
        return language == Language.CN ? chinese : english;
    }

    public static TaskType ofKey(String key) {
        for (TaskType t : values()) {
            if (t.key.equals(key)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown GEdit-Bench task type '" + key + "'");
    }

    /** Instruction language (GEdit-Bench has every sample in both). */
    public enum Language {
        EN, CN
    }
}
