package com.mysticanvas.llm.synth;

/** The text the synthetic models' BPE vocabulary is learnt from: everyday English and chat words. */
final class TrainingText {
    private TrainingText() {}

    static final String TEXT = """
            system
            You are a helpful assistant. Answer the question of the user in a short and friendly way.
            user
            Hello! Can you tell me what the weather is like today, and what I should wear?
            assistant
            Hello there! I cannot see the sky from here, but on a cool morning a warm jacket is a good idea.
            user
            Please write a short poem about a painter who mixes colours at night.
            assistant
            The painter wakes when the city sleeps, and mixes the blue with the silver of the moon.
            Every colour has a story, and every story has a colour of its own.
            user
            What is the capital of France? And how many people live there?
            assistant
            The capital of France is Paris. About two million people live in the city itself.
            user
            Explain in simple words how a language model writes the next word of a sentence.
            assistant
            A language model reads the words it has so far, turns them into numbers, and computes how likely
            each possible next word is. Then it picks one of the likely words, adds it to the sentence, and
            starts again. The temperature decides how adventurous the choice is: a low temperature picks the
            most likely word, a high temperature takes more chances.
            user
            Give me three ideas for a picture of a quiet garden in the rain.
            assistant
            First, a stone path with small puddles that reflect the green leaves. Second, a red umbrella left
            open under an old tree. Third, a cat that watches the rain from a window above the flowers.
            user
            Thank you, that was very helpful. Can you say it again in one sentence?
            assistant
            A rainy garden with a shining path, a forgotten red umbrella and a cat at the window.
            The quick brown fox jumps over the lazy dog. 0 1 2 3 4 5 6 7 8 9 10 100 2024 3.14
            """;
}
