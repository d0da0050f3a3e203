package com.mysticanvas.sd.sampling;

/**
 * The Beta distribution's quantile, for the Beta schedule: the regularized incomplete beta function by its
 * continued fraction (modified Lentz), inverted by bisection to double precision.
 */
final class BetaDistribution {
    private BetaDistribution() {}

    /** The p-quantile of Beta(a, b), p in [0, 1]. */
    static double quantile(double p, double a, double b) {
        if (p <= 0) {
            return 0;
        }
        if (p >= 1) {
            return 1;
        }
        double low = 0;
        double high = 1;
        for (int i = 0; i < 200 && high - low > 1e-17; i++) {
            double mid = (low + high) / 2;
            if (cdf(mid, a, b) < p) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return (low + high) / 2;
    }

    /** I_x(a, b), the regularized incomplete beta function. */
    static double cdf(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b));
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
        return x < (a + 1) / (a + b + 2) ? front * fraction(x, a, b) / a : 1 - front * fraction(1 - x, b, a) / b;
    }

    private static double fraction(double x, double a, double b) {
        double tiny = 1e-300;
        double c = 1;
        double d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.abs(d) < tiny ? tiny : d);
        double h = d;
        for (int m = 1; m < 500; m++) {
            for (int half = 0; half < 2; half++) {
                double numerator = half == 0
                        ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                        : -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
                d = 1 + numerator * d;
                d = 1 / (Math.abs(d) < tiny ? tiny : d);
                c = 1 + numerator / c;
                c = Math.abs(c) < tiny ? tiny : c;
                double step = c * d;
                h *= step;
                if (half == 1 && Math.abs(step - 1) < 1e-16) {
                    return h;
                }
            }
        }
        return h;
    }

    private static double logBeta(double a, double b) {
        return logGamma(a) + logGamma(b) - logGamma(a + b);
    }

    /** Lanczos' approximation (g = 7, 9 terms), good to about 1e-15 for positive arguments. */
    static double logGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        double[] g = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
        x -= 1;
        double sum = g[0];
        for (int i = 1; i < g.length; i++) {
            sum += g[i] / (x + i);
        }
        double t = x + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
