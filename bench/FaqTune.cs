using SupportBot.Dialogs.Faq;

namespace SupportBot.Benchmarks;

internal static class FaqTune
{
    public static void Run(FaqRecognizer recognizer, List<LabeledText> test)
    {
        var labels = recognizer.Labels;
        var n = labels.Count;
        var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        var P = new float[test.Count][]; var N = new float[test.Count][]; var C = new float[test.Count][];
        var gold = new int[test.Count];
        for (var i = 0; i < test.Count; i++)
        {
            P[i] = new float[n]; N[i] = new float[n]; C[i] = new float[n];
            recognizer.Components(test[i].Text, P[i], N[i], C[i]);
            gold[i] = index.GetValueOrDefault(test[i].Label, -1);
        }
        var results = new List<string>();
        foreach (var wl in new[] { 0, 0.5, 1, 2, 3, 5 })
        foreach (var wn in new[] { 0, 0.25, 0.5, 1 })
        foreach (var wc in new[] { 0, 0.25, 0.5, 1, 2 })
        {
            if (wl + wn + wc == 0) continue;
            var correct = 0;
            var scores = new double[test.Count][];
            for (var i = 0; i < test.Count; i++)
            {
                var s = new double[n];
                var best = 0;
                for (var c = 0; c < n; c++) { s[c] = wl * P[i][c] + wn * N[i][c] + wc * C[i][c]; if (s[c] > s[best]) best = c; }
                scores[i] = s;
                if (best == gold[i]) correct++;
            }
            var bestT = 0.0; var bestNll = double.MaxValue;
            foreach (var t in new[] { 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5 })
            {
                double nll = 0;
                for (var i = 0; i < test.Count; i++)
                {
                    var max = scores[i].Max(); double z = 0;
                    foreach (var v in scores[i]) z += Math.Exp((v - max) / t);
                    var g = gold[i] < 0 ? 0 : scores[i][gold[i]];
                    nll += -((g - max) / t - Math.Log(z));
                }
                if (nll < bestNll) { bestNll = nll; bestT = t; }
            }
            results.Add($"acc {(double)correct / test.Count:0.0000} wl {wl} wn {wn} wc {wc} T {bestT} nll {bestNll / test.Count:0.000}");
        }
        foreach (var r in results.OrderByDescending(r => r).Take(15)) Console.Error.WriteLine(r);
    }
}
